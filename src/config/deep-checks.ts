/**
 * Checks that compile what the config names (filter patterns, jail filters), so `config check` and a
 * reload catch a bad pattern before anything runs. Listed here, run by loadConfig's `checks` option.
 */
import type { ConfigProblem } from "../core/errors.js";
import { jailChecks } from "../jails/check.js";
import { metricAndAlarmChecks } from "../metrics/check.js";
import { fileSourceChecks } from "../sources/file/config-checks.js";
import { networkAndCloudSourceChecks } from "../sources/shared/config-checks.js";
import type { Locator } from "./load.js";
import type { MamoriConfig } from "./schema.js";

export type DeepCheck = (config: MamoriConfig, locate: Locator) => ConfigProblem[];

export const deepChecks: DeepCheck[] = [
  networkAndCloudSourceChecks,
  fileSourceChecks,
  metricAndAlarmChecks,
  jailChecks,
];
