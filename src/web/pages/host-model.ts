/** Host-check events (spec/hids.md): mamori/fim, mamori/rootcheck and mamori/audit JSON records. */
import { jsonOf, type LogEventView } from "../model";

export interface FimChange {
  id: string;
  timestamp: number;
  path: string;
  kind: string;
  changed: string[];
  diff?: string;
  package?: string;
  maintenance: boolean;
  host: string;
}

export interface RootcheckFinding {
  id: string;
  timestamp: number;
  check: string;
  severity: string;
  title: string;
  detail: string;
  path?: string;
  host: string;
}

export interface AuditResult {
  id: string;
  timestamp: number;
  policy: string;
  check: string;
  title: string;
  result: string;
  reason: string;
  remediation?: string;
  host: string;
}

const str = (v: unknown): string =>
  v === undefined || v === null ? "" : typeof v === "string" ? v : JSON.stringify(v);

export function fimChangeOf(e: LogEventView): FimChange {
  const j = jsonOf(e.message) ?? {};
  return {
    id: e.id,
    timestamp: e.timestamp,
    path: str(j.path) || e.message,
    kind: str(j.change) || "changed",
    changed: Array.isArray(j.changed) ? j.changed.map(str) : [],
    diff: typeof j.diff === "string" ? j.diff : undefined,
    package: typeof j.package === "string" && j.package ? j.package : undefined,
    maintenance: j.maintenance === true,
    host: str(j.host) || e.stream,
  };
}

export function rootcheckOf(e: LogEventView): RootcheckFinding {
  const j = jsonOf(e.message) ?? {};
  return {
    id: e.id,
    timestamp: e.timestamp,
    check: str(j.check),
    severity: str(j.severity) || "low",
    title: str(j.title) || e.message,
    detail: str(j.detail),
    path: typeof j.path === "string" ? j.path : undefined,
    host: str(j.host) || e.stream,
  };
}

export function auditOf(e: LogEventView): AuditResult {
  const j = jsonOf(e.message) ?? {};
  return {
    id: e.id,
    timestamp: e.timestamp,
    policy: str(j.policy),
    check: str(j.id),
    title: str(j.title) || e.message,
    result: str(j.result) || "unknown",
    reason: str(j.reason),
    remediation: typeof j.remediation === "string" ? j.remediation : undefined,
    host: str(j.host) || e.stream,
  };
}
