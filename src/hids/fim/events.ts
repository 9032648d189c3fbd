/**
 * The messages FIM writes into `mamori/fim` (spec/hids.md): one per changed path, one summary per
 * baseline, one per limit met (unreadable, too large to hash, inotify watch limit).
 */
import type { FimAttribute } from "./config.js";
import { type FileRecord, pick } from "./record.js";

export const FIM_GROUP = "mamori/fim";
/** what a change carries when verify_packages is on and its content matches no package's checksum */
export const UNEXPLAINED = "no package explains this change";

export type FimChange = "added" | "modified" | "deleted" | "attributes";

export interface FimEvent {
  path: string;
  change: FimChange | "baseline" | "unreadable" | "too_large" | "watch_limit";
  changed?: FimAttribute[];
  before?: Partial<FileRecord>;
  after?: Partial<FileRecord>;
  diff?: string;
  package?: string;
  unexplained?: string;
  /** the package that ships this path, when its content matches none of its checksums */
  owner?: string;
  maintenance?: true;
  maintenance_reason?: string;
  files?: number;
  bytes?: number;
  error?: string;
  detail?: string;
  host: string;
}

export function changeEvent(
  o: {
    path: string;
    change: FimChange;
    changed?: FimAttribute[];
    before?: FileRecord;
    after?: FileRecord;
    attributes: readonly FimAttribute[];
  },
  host: string,
): FimEvent {
  const shown = o.changed ?? o.attributes;
  return {
    path: o.path,
    change: o.change,
    changed: o.changed ?? [],
    ...(o.before ? { before: pick(o.before, shown) } : {}),
    ...(o.after ? { after: pick(o.after, shown) } : {}),
    host,
  };
}

/** The limit event for a file whose content could not be hashed (once, when it starts). */
export function limitEvent(path: string, r: FileRecord, maxHashSize: number, host: string): FimEvent {
  if (r.unhashed === "too_large")
    return {
      path,
      change: "too_large",
      detail: `${r.size} bytes is over max_hash_size (${maxHashSize}); its other attributes are still compared — raise fim.max_hash_size to hash it`,
      host,
    };
  return {
    path,
    change: "unreadable",
    error: r.unhashed,
    detail: `mamori cannot read it (${r.unhashed}); its content is not checked until it can — run mamori as a user that may read it, or ignore the path`,
    host,
  };
}
