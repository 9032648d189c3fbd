/**
 * What every component's config.ts builds on: the zod pieces shared by schemas (durations, non-empty
 * strings, paths), how a check names the place of a problem (Locator), and what a source declares it
 * binds (PortClaim). No I/O here; src/config/ composes the components' schemas and checks.
 */
import { z } from "zod";
import { DurationError, parseDuration } from "./duration.js";
import type { ConfigProblem } from "./errors.js";
import { parseCidr } from "./ip.js";

/**
 * Finds the position of a config path (["alarms", 0, "threshold"]) in the file, for problems found
 * after the schema. A component's check gets one scoped to its own entry (["tls"] → sources[i].tls).
 */
export type Locator = (p: readonly (string | number)[], message: string) => ConfigProblem;

/** A check run on a validated config (compiling patterns, loading jail filters); it returns problems. */
export type DeepCheck<C> = (config: C, locate: Locator) => ConfigProblem[];

/** A component's own check of its entry: `at(["key"], message)` places a problem at one of its keys. */
export type EntryCheck<C> = (cfg: C, at: Locator) => ConfigProblem[];

/** A locator for the entry at `prefix` (["sources", 2]): what a component's check receives. */
export function scopedLocator(locate: Locator, prefix: readonly (string | number)[]): Locator {
  return (p, message) => locate([...prefix, ...p], message);
}

/** A socket a source binds: two sources claiming one fail `config check` instead of restarting in a loop. */
export interface PortClaim {
  protocol: "tcp" | "udp";
  /** as written: "127.0.0.1", "::1", "0.0.0.0" */
  host: string;
  port: number;
}

/** `600`, `"10m"`, `"1h30m"` → seconds. fail2ban's `-1` (forever) is allowed where `allowForever`. */
export const duration = (opts: { allowForever?: boolean } = {}) =>
  z.union([z.number(), z.string()]).transform((v, ctx) => {
    try {
      const s = parseDuration(v);
      if (s < 0 && !(opts.allowForever && s === -1)) {
        ctx.addIssue({
          code: "custom",
          message: `duration must not be negative${opts.allowForever ? " (use -1 for forever)" : ""}`,
        });
        return z.NEVER;
      }
      return s;
    } catch (err) {
      ctx.addIssue({ code: "custom", message: err instanceof DurationError ? err.message : String(err) });
      return z.NEVER;
    }
  });

export const nonEmpty = z.string().min(1, "must not be empty");

export const cidrOrHost = z.string().refine((v) => parseCidr(v) !== undefined || /^[A-Za-z0-9.-]+$/.test(v), {
  message: "expected an IP address, a CIDR (10.0.0.0/8) or a host name",
});

/**
 * Marks the config values that are file system paths. The loader resolves every marked value once,
 * relative to the config file's folder (a glob's directory part too), so components get absolute paths.
 * `isPath` limits it to values that are paths (a jail's `filter` is a name or a path).
 */
export const configPaths = z.registry<{ isPath?: (value: string) => boolean }>();

/** A file, folder or glob written in the config: relative to the config file's folder. */
export const pathString = z.string().min(1, "must not be empty").register(configPaths, {});

/** One path or a list of them (a source's `path:`). */
export const pathOrPaths = z.union([pathString, z.array(pathString).min(1)]);
