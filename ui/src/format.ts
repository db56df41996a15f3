//! Formatting shared by the views: times, latencies, operation names.

import type { OperationKind } from "./generated";

/** `17:02:03.123` in local time. */
export function clock(at: string): string {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return at;
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** `2026-11-28 17:02:03` in local time. */
export function dateTime(at: string): string {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return at;
  return `${d.toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" })} ${clock(at).slice(0, 8)}`;
}

/** `1.4 ms`, `120 ms`, `2.3 s`. */
export function latency(ms: number): string {
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

const OPERATION_LABEL: Record<OperationKind, string> = {
  "connection-probe": "connection test",
  "match-lookup": "match lookup",
  create: "create",
  update: "update",
  deactivate: "deactivate",
  reactivate: "reactivate",
  delete: "delete",
  read: "read",
  "group-create": "group create",
  "group-update": "group update",
  "group-membership": "membership",
  "group-delete": "group delete",
  "import-page": "import page",
  search: "search",
  discovery: "discovery",
  rejected: "rejected",
};

export const OPERATIONS = Object.keys(OPERATION_LABEL) as OperationKind[];

/** The operation in the admin's words. */
export function operationLabel(op: OperationKind): string {
  return OPERATION_LABEL[op] ?? op;
}
