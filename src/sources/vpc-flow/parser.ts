/**
 * A delivered flow-log file → records. Which fields a line holds: the file's header line when it has one
 * (AWS writes it as the first line), else the configured `format`, else the default v2 format. When the
 * header and the configured format disagree, the header wins (it describes the file at hand; the config
 * may be stale) and the mismatch is counted and logged once. Each line is kept as is (NODATA and
 * SKIPDATA records too); stream = interface-id, event time = start (seconds → ms).
 */
import type { Logger } from "pino";
import type { FileParser, ParsedFile, ParsedRecord } from "../shared/once-files.js";
import {
  DEFAULT_V2_FIELDS,
  type FieldPositions,
  parseHeaderLine,
  positionsOf,
  sameFields,
} from "./format.js";

/** Stream of records whose format has no interface-id (or whose value is "-"). */
export const NO_INTERFACE_STREAM = "unknown-interface";

export class VpcFlowParser implements FileParser {
  readonly counters = {
    format_mismatch: 0,
    field_count_mismatch: 0,
    no_start: 0,
    nodata: 0,
    skipdata: 0,
  };
  private warnedMismatch = false;

  constructor(
    /** from config `format`; undefined = default v2 unless a header says otherwise */
    private readonly configured: readonly string[] | undefined,
    private readonly log: Logger,
  ) {}

  parse(file: string, content: { data: Buffer; compressed: boolean; settled: boolean }): ParsedFile {
    const { data } = content;
    if (!content.compressed && data.length > 0 && data[data.length - 1] !== 0x0a && !content.settled) {
      return { kind: "retry", reason: "the file does not end with a newline yet (still being written?)" };
    }
    const text = data.toString("utf8");
    const firstEnd = lineEnd(text, 0);
    const header = parseHeaderLine(text.slice(0, firstEnd));
    const fields = header ?? this.configured ?? DEFAULT_V2_FIELDS;
    if (header && this.configured && !sameFields(header, this.configured)) this.noteMismatch(file, header);
    const bodyStart = header ? Math.min(firstEnd + 1, text.length) : 0;
    return { kind: "records", records: this.records(text, bodyStart, positionsOf(fields)) };
  }

  private *records(text: string, pos: number, at: FieldPositions): Generator<ParsedRecord> {
    while (pos < text.length) {
      const end = lineEnd(text, pos);
      let line = text.slice(pos, end);
      pos = end + 1;
      if (line.endsWith("\r")) line = line.slice(0, -1);
      if (line.trim() === "") continue;
      yield this.record(line, at);
    }
  }

  private record(line: string, at: FieldPositions): ParsedRecord {
    const values = line.split(" ");
    if (values.length !== at.count) this.counters.field_count_mismatch++;
    const iface = at.interfaceId >= 0 ? values[at.interfaceId] : undefined;
    const startSec = at.start >= 0 ? Number(values[at.start]) : Number.NaN;
    let timestamp: number | undefined;
    if (Number.isFinite(startSec) && values[at.start] !== "" && values[at.start] !== "-")
      timestamp = startSec * 1000;
    else this.counters.no_start++;
    const status = at.logStatus >= 0 ? values[at.logStatus] : undefined;
    if (status === "NODATA") this.counters.nodata++;
    else if (status === "SKIPDATA") this.counters.skipdata++;
    return { stream: iface && iface !== "-" ? iface : NO_INTERFACE_STREAM, timestamp, message: line };
  }

  private noteMismatch(file: string, header: string[]): void {
    this.counters.format_mismatch++;
    if (this.warnedMismatch) return;
    this.warnedMismatch = true;
    this.log.warn(
      { file, header: header.join(" "), configured: this.configured?.join(" ") },
      "the file's header line differs from the configured format; using the header (update `format` to match)",
    );
  }
}

function lineEnd(text: string, from: number): number {
  const nl = text.indexOf("\n", from);
  return nl < 0 ? text.length : nl;
}
