/** The predicates a query and a search of events share: time range and paging (events aliased `e`). */
export function pushEventRange(
  q: { start?: number; end?: number; afterKey?: { ts: number; id: number } },
  where: string[],
  args: unknown[],
): void {
  if (q.start !== undefined) {
    where.push("e.ts >= ?");
    args.push(q.start);
  }
  if (q.end !== undefined) {
    where.push("e.ts < ?");
    args.push(q.end);
  }
  if (q.afterKey) {
    where.push("(e.ts > ? OR (e.ts = ? AND e.id > ?))");
    args.push(q.afterKey.ts, q.afterKey.ts, q.afterKey.id);
  }
}
