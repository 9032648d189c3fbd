/**
 * A delivered CloudTrail file ({"Records":[...]}, .json or .json.gz) → one record per event: the
 * record's JSON (compact) as the message, event time = eventTime, stream = `${recipientAccountId}_${awsRegion}`.
 * Digest files (CloudTrail-Digest paths, or digest JSON) and other JSON are skipped with a counted reason.
 */
import type { FileParser, ParsedFile, ParsedRecord } from "../shared/once-files.js";

/** Where AWS puts digest files: AWSLogs/<account>/CloudTrail-Digest/<region>/... */
const DIGEST_PATH = /(^|\/)CloudTrail-Digest\//;
/** Members every digest file has (and trail files do not). */
const DIGEST_KEYS = ["digestStartTime", "digestEndTime", "digestS3Bucket"];

export class CloudTrailParser implements FileParser {
  readonly counters = { bad_records: 0, no_event_time: 0 };

  skipByPath(file: string): string | undefined {
    return DIGEST_PATH.test(file) ? "digest" : undefined;
  }

  parse(_file: string, content: { data: Buffer; compressed: boolean }): ParsedFile {
    let doc: unknown;
    try {
      doc = JSON.parse(content.data.toString("utf8"));
    } catch {
      // A complete gzip holding broken JSON stays broken; a plain file may still be being written.
      return content.compressed
        ? { kind: "skip", reason: "invalid_json" }
        : { kind: "retry", reason: "not valid JSON (yet?)" };
    }
    if (typeof doc !== "object" || doc === null || Array.isArray(doc))
      return { kind: "skip", reason: "not_cloudtrail" };
    const records = (doc as { Records?: unknown }).Records;
    if (!Array.isArray(records)) {
      const isDigest = DIGEST_KEYS.some((k) => k in (doc as object));
      return { kind: "skip", reason: isDigest ? "digest" : "not_cloudtrail" };
    }
    return { kind: "records", records: this.records(records) };
  }

  private *records(records: unknown[]): Generator<ParsedRecord> {
    for (const r of records) {
      if (typeof r !== "object" || r === null || Array.isArray(r)) {
        this.counters.bad_records++; // not an event: nothing to keep
        continue;
      }
      const rec = r as Record<string, unknown>;
      const time = typeof rec.eventTime === "string" ? Date.parse(rec.eventTime) : Number.NaN;
      if (Number.isNaN(time)) this.counters.no_event_time++;
      yield {
        stream: `${text(rec.recipientAccountId) ?? accountOf(rec) ?? "unknown"}_${text(rec.awsRegion) ?? "unknown"}`,
        timestamp: Number.isNaN(time) ? undefined : time,
        message: JSON.stringify(rec),
      };
    }
  }
}

const text = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** Older records lack recipientAccountId; the caller's account is the next best. */
function accountOf(rec: Record<string, unknown>): string | undefined {
  const who = rec.userIdentity as { accountId?: unknown } | undefined;
  return text(who?.accountId);
}
