/**
 * Every source type's config, in one table: its schema (sources/<type>/config.ts), the checks of its own
 * keys and the ports it binds. A new source type is one line here; the factories' map in
 * src/sources/index.ts must then cover it too (the compiler says so).
 */
import { z } from "zod";
import type { EntryCheck, Locator, PortClaim } from "../core/config.js";
import type { ConfigProblem } from "../core/errors.js";
import { cloudtrailSourceSchema } from "../sources/cloudtrail/config.js";
import { commandSourceSchema } from "../sources/command/config.js";
import { checkFileSource, fileSourceSchema } from "../sources/file/config.js";
import { httpSourcePorts, httpSourceSchema } from "../sources/http/config.js";
import { journaldSourceSchema } from "../sources/journald/config.js";
import { checkSyslogSource, syslogSourcePorts, syslogSourceSchema } from "../sources/syslog/config.js";
import { checkVpcFlowSource, vpcFlowSourceSchema } from "../sources/vpc-flow/config.js";

/** What config validation knows of a source type: its schema, its own checks, the sockets it binds. */
interface SourceType<S extends z.ZodObject<{ type: z.ZodLiteral<string> }>> {
  schema: S;
  check?: EntryCheck<z.output<S>>;
  ports?: (cfg: z.output<S>) => PortClaim[];
}

const sourceType = <S extends z.ZodObject<{ type: z.ZodLiteral<string> }>>(t: SourceType<S>) => t;

export const sourceTypes = {
  file: sourceType({ schema: fileSourceSchema, check: checkFileSource }),
  journald: sourceType({ schema: journaldSourceSchema }),
  syslog: sourceType({ schema: syslogSourceSchema, check: checkSyslogSource, ports: syslogSourcePorts }),
  http: sourceType({ schema: httpSourceSchema, ports: httpSourcePorts }),
  "vpc-flow": sourceType({ schema: vpcFlowSourceSchema, check: checkVpcFlowSource }),
  cloudtrail: sourceType({ schema: cloudtrailSourceSchema }),
  command: sourceType({ schema: commandSourceSchema }),
};

type Schemas = (typeof sourceTypes)[keyof typeof sourceTypes]["schema"];

export const sourceSchema = z.discriminatedUnion(
  "type",
  Object.values(sourceTypes).map((t) => t.schema) as [Schemas, ...Schemas[]],
);

export type SourceConfig = z.output<typeof sourceSchema>;

// each key of the table is the `type` its schema takes
type KeysMatch = {
  [K in keyof typeof sourceTypes]: z.output<(typeof sourceTypes)[K]["schema"]>["type"] extends K
    ? true
    : false;
};
const keysMatch: { [K in keyof typeof sourceTypes]: true } = {} as KeysMatch;
void keysMatch;

/** The problems a source's own checks find, placed by `at` (scoped to the source's entry). */
export function checkSource(cfg: SourceConfig, at: Locator): ConfigProblem[] {
  const t = sourceTypes[cfg.type] as SourceType<z.ZodObject<{ type: z.ZodLiteral<string> }>>;
  return t.check ? t.check(cfg as never, at) : [];
}

/** The sockets a source binds (none for most). */
export function portsOf(cfg: SourceConfig): PortClaim[] {
  const t = sourceTypes[cfg.type] as SourceType<z.ZodObject<{ type: z.ZodLiteral<string> }>>;
  return t.ports ? t.ports(cfg as never) : [];
}
