//! Formatting shared by the views: times, latencies, operation names, IdP names as their
//! makers write them, and the one way numbers are written.

import type { Idp, OperationKind } from "./generated";

/** `17:02:03.123` in local time. */
export function clock(at: string): string {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return at;
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** `17:02:03` in local time, from a date or epoch milliseconds. */
export function timeOfDay(at: Date | number): string {
  const d = typeof at === "number" ? new Date(at) : at;
  if (Number.isNaN(d.getTime())) return "--:--:--";
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Formatters are made once: `toLocaleDateString(…, options)` builds a new one on every call,
 * which was most of the script time of scrolling the Users list (docs/benchmarks-ui.md). */
const DAY = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric" });
const NUMBER = new Intl.NumberFormat("en-US");

/** `2026-11-28 17:02:03` in local time. */
export function dateTime(at: string): string {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return at;
  return `${DAY.format(d)} ${clock(at).slice(0, 8)}`;
}

/** `1.4 ms`, `120 ms`, `2.3 s`. */
export function latency(ms: number): string {
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

/** An HTTP status as the UI writes it: `429`, or `no answer` for 0 (a request recorded without
 *  an answer: the connection was closed, e.g. by a fault rule). */
export function statusText(status: number): string {
  return status === 0 ? "no answer" : String(status);
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

const IDP_NAME: Record<Idp, string> = { entra: "Entra ID", okta: "Okta", other: "another client" };

/**
 * The IdP in a sentence, as its maker writes it: `Entra ID`, `Okta`, or `another client` for
 * anything else (a script, an unrecognised IdP). Never lowercase a product name in text.
 */
export function idpName(idp: Idp | string | null | undefined): string {
  return IDP_NAME[idp as Idp] ?? "another client";
}

/** A count the one way the UI writes numbers: `5,450`, `12`, `1,000,000` (no decimals). */
export function count(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return NUMBER.format(Math.round(n));
}
