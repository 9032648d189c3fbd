/** A source's position, part of the Store interface (store.ts). */

/** Where a source is in its input (file offset, journald cursor, ...), saved with the events it covers. */
export interface Checkpoint {
  /** the source's id (config `id`, or derived from its type and path) */
  source: string;
  /** what within the source: a file's identity, "cursor", ... */
  key: string;
  /** opaque to the store (JSON is usual) */
  value: string;
}
