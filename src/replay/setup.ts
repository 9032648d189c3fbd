/**
 * What replay derives from its config and files before it starts, apart from replay.ts (and the daemon
 * it loads), so the CLI can use it with the filter thread's module alone: the log group of each file and
 * where the jails' filters are found. The CLI hands the filter thread its jails' filters this way while
 * the rest of the replay still loads (see prepareFilterThread).
 */
import type { MamoriConfig } from "../config/schema.js";
import { UsageError } from "../core/errors.js";
import { filterDirsOf } from "../jails/filters.js";
import { globToRegExp } from "../sources/shared/glob.js";

/** The group a file's lines belong to: --group, else the file source whose path (or glob) names the file. */
export function groupForFile(file: string, config: MamoriConfig, group?: string): string {
  if (group) return group;
  for (const s of config.sources) {
    if (s.type !== "file") continue;
    const paths = Array.isArray(s.path) ? s.path : [s.path];
    if (paths.some((p) => p === file || globToRegExp(p).test(file))) return s.group;
  }
  const groups = [...new Set(config.sources.filter((s) => s.type === "file").map((s) => s.group))];
  if (groups.length === 1) return groups[0];
  throw new UsageError(
    `cannot tell which log group ${file} belongs to; pass --group GROUP (one of: ${groups.join(", ") || "no file sources in the config"})`,
  );
}

/**
 * Where the replay's jails find their filters: a filter path and filter_dirs relative to the working
 * directory (configDirOf(undefined) in parts.ts, which is too heavy a module to load here).
 */
export function replayFilterPaths(config: Pick<MamoriConfig, "filter_dirs">): {
  configDir: string;
  filterDirs: string[];
} {
  const configDir = process.cwd();
  return { configDir, filterDirs: filterDirsOf(config, configDir) };
}
