/**
 * Every part the daemon builds besides the sources, in build order, in one plain map. A part gets the
 * ServiceContext (config, store, clock, pipeline, publisher) and returns its services; it may add metric
 * extractors and event consumers to the pipeline, and the notify part provides the publisher the later
 * parts use.
 */
import { buildAlarmServices } from "./alarms/part.js";
import { buildJailsPart } from "./jails/service.js";
import { buildMetricsPart } from "./metrics/part.js";
import { buildNotifyService } from "./notify/part.js";
import type { Publisher } from "./notify/types.js";
import type { Service, ServiceContext } from "./service.js";

export interface BuiltPart {
  services: Service[];
  /** set by the part that delivers notifications; the parts after it publish through it */
  publisher?: Publisher;
}

export type PartBuilder = (ctx: ServiceContext) => BuiltPart | Promise<BuiltPart>;

export const parts: Record<string, PartBuilder> = {
  notify: buildNotifyService,
  metrics: buildMetricsPart,
  alarms: buildAlarmServices,
  jails: buildJailsPart,
};
