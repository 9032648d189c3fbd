/** Compiles a space-delimited pattern into a matcher over one event's fields. */
import type { FieldCondition, SpaceSlot } from "../ast.js";
import { compileTextTest, type RangeTest } from "../values.js";
import { FieldSplitter } from "./fields.js";

function compileCondition(source: string, cond: FieldCondition): RangeTest {
  if (cond.type === "compare") return compileTextTest(cond.op, cond.value, source);
  const tests = cond.items.map((c) => compileCondition(source, c));
  if (cond.type === "and") {
    return (s, start, end) => {
      for (const t of tests) if (!t(s, start, end)) return false;
      return true;
    };
  }
  return (s, start, end) => {
    for (const t of tests) if (t(s, start, end)) return true;
    return false;
  };
}

interface SlotTest {
  /** Index among the pattern's field slots before the ellipsis (>= 0) or from the end after it (< 0). */
  index: number;
  test: RangeTest;
}

/** Field order of the extracted values: a name, or the ellipsis (values $1, $2, ...). */
type Extract = { name: string; index: number } | { ellipsis: true };

export function compileSpace(
  source: string,
  slots: SpaceSlot[],
): (message: string) => Record<string, string> | undefined {
  const ellipsisAt = slots.findIndex((s) => s.type === "ellipsis");
  const before = ellipsisAt < 0 ? slots.length : ellipsisAt;
  const after = ellipsisAt < 0 ? 0 : slots.length - ellipsisAt - 1;
  const tests: SlotTest[] = [];
  const extracts: Extract[] = [];
  slots.forEach((slot, i) => {
    if (slot.type === "ellipsis") {
      extracts.push({ ellipsis: true });
      return;
    }
    const index = i < before ? i : i - slots.length; // negative: counted from the last field
    extracts.push({ name: `$${slot.name}`, index });
    if (slot.condition) tests.push({ index, test: compileCondition(source, slot.condition) });
  });
  const splitter = new FieldSplitter();
  // Without an ellipsis the count must be exact (split one more to see an extra field); with a trailing
  // ellipsis only the leading fields matter, so splitting stops early.
  const limit = ellipsisAt < 0 ? slots.length + 1 : after === 0 ? before : Number.MAX_SAFE_INTEGER;

  return (message) => {
    const count = splitter.split(message, limit);
    if (ellipsisAt < 0 ? count !== before : count < before + after) return undefined;
    const { starts, ends } = splitter;
    for (const { index, test } of tests) {
      const f = index >= 0 ? index : count + index;
      if (!test(message, starts[f], ends[f])) return undefined;
    }
    return extractValues(message, splitter, count, limit, extracts, before, after);
  };
}

function extractValues(
  message: string,
  splitter: FieldSplitter,
  count: number,
  limit: number,
  extracts: Extract[],
  before: number,
  after: number,
): Record<string, string> {
  const total =
    limit === before && count === before ? splitter.split(message, Number.MAX_SAFE_INTEGER) : count;
  const { starts, ends } = splitter;
  const values: Record<string, string> = {};
  for (const e of extracts) {
    if ("ellipsis" in e) {
      for (let f = before, n = 1; f < total - after; f++, n++)
        values[`$${n}`] = message.slice(starts[f], ends[f]);
    } else {
      const f = e.index >= 0 ? e.index : total + e.index;
      values[e.name] = message.slice(starts[f], ends[f]);
    }
  }
  return values;
}
