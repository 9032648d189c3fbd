/** The alarms part of the daemon: the scheduler as a service and as a pipeline consumer. */
import { metricFiltersFor } from "../metrics/part.js";
import type { BuiltPart } from "../parts.js";
import type { ServiceContext } from "../service.js";
import { AlarmScheduler } from "./scheduler.js";

export function buildAlarmServices(ctx: ServiceContext): BuiltPart & { scheduler?: AlarmScheduler } {
  if (ctx.config.alarms.length === 0) return { services: [] };
  const scheduler = new AlarmScheduler({
    alarms: ctx.config.alarms,
    store: ctx.store,
    clock: ctx.clock,
    publisher: ctx.publisher,
    log: ctx.log.child({ part: "alarms" }),
    filters: metricFiltersFor(ctx),
  });
  ctx.pipeline.addConsumer(scheduler);
  return {
    scheduler,
    services: [
      {
        name: "alarms",
        start: () => scheduler.start(),
        async stop() {
          ctx.pipeline.removeConsumer(scheduler.name);
          await scheduler.stop();
        },
      },
    ],
  };
}
