//! A fault rule in plain English, one line each for what it matches ("Entra ID creates of
//! userName escrow-*", "every request"), what it does ("answer 429 with Retry-After 2 s",
//! "wait 800 ms", "close the connection") and how often ("first 3 matches", "every 10th",
//! "20 % (seed 7)"), and the name a preset gets when its own is taken ("Throttled app 2").
//! No React here: every function is unit-tested in summary.test.ts.

import type { FaultAction, FaultMatch, FaultRule, Idp, OperationKind } from "../../generated";

/** The IdP as the subject of a match ("Entra ID creates"). */
const IDP_SUBJECT: Record<Idp, string> = { entra: "Entra ID", okta: "Okta", other: "other clients'" };

/** Each operation as a noun, singular and plural (the engine's `OperationKind::noun`). */
export const OPERATION_NOUN: Record<OperationKind, [string, string]> = {
  "connection-probe": ["connection test", "connection tests"],
  "match-lookup": ["match lookup", "match lookups"],
  create: ["create", "creates"],
  update: ["update", "updates"],
  deactivate: ["deactivation", "deactivations"],
  reactivate: ["reactivation", "reactivations"],
  delete: ["delete", "deletes"],
  read: ["read", "reads"],
  "group-create": ["group create", "group creates"],
  "group-update": ["group update", "group updates"],
  "group-membership": ["membership change", "membership changes"],
  "group-delete": ["group delete", "group deletes"],
  "import-page": ["import page", "import pages"],
  search: ["search", "searches"],
  discovery: ["discovery request", "discovery requests"],
  rejected: ["refused request", "refused requests"],
};

/**
 * What a rule applies to: `every request`, `every create of userName escrow-*`, `Entra ID
 * creates of userName escrow-*`, `Okta POST requests to /Users/*`.
 */
export function matchSummary(m: FaultMatch | undefined): string {
  const match = m ?? {};
  const method = match.method?.trim().toUpperCase();
  const plural = match.idp !== undefined;
  let noun: string;
  if (match.operation) {
    noun = OPERATION_NOUN[match.operation]?.[plural ? 1 : 0] ?? match.operation;
    if (method) noun += ` sent as ${method}`;
  } else {
    noun = `${method ? `${method} ` : ""}${plural ? "requests" : "request"}`;
  }
  let s = plural ? `${IDP_SUBJECT[match.idp!] ?? match.idp} ${noun}` : `every ${noun}`;
  if (match.path) s += ` to ${match.path}`;
  if (match.userName) s += ` of userName ${match.userName}`;
  if (match.displayName) s += ` of displayName ${match.displayName}`;
  return s;
}

/** `800 ms`, `3 s`, `1.5 s`. */
export function duration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : Number(s.toFixed(2))} s`;
}

/**
 * What a rule does: `answer 429 with Retry-After 2 s`, `answer 409 uniqueness`, `answer 500
 * after writing`, `wait 800 ms`, `wait 800 ms, then close the connection`, `answer as strict mode`.
 */
export function actionSummary(a: FaultAction | undefined): string {
  const action = a ?? {};
  const wait = action.delayMs ? `wait ${duration(action.delayMs)}` : "";
  let then = "";
  if (action.drop) then = "close the connection";
  else if (action.strict) then = "answer as strict mode";
  else if (action.status !== undefined) {
    then = `answer ${action.status}`;
    if (action.scimType) then += ` ${action.scimType}`;
    if (action.retryAfter !== undefined) then += ` with Retry-After ${action.retryAfter} s`;
    if (action.afterWrite) then += " after writing";
  }
  if (wait && then) return `${wait}, then ${then}`;
  return wait || then || "do nothing";
}

/** `1st`, `2nd`, `3rd`, `10th`, `11th`, `21st`. */
export function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${{ 1: "st", 2: "nd", 3: "rd" }[n % 10] ?? "th"}`;
}

/** `20 %`, `12.5 %`: a probability as a percentage. */
export function percent(p: number): string {
  return `${Number((p * 100).toFixed(4))} %`;
}

/**
 * How often a rule fires: `every match`, `first 3 matches`, `every 10th`, `20 % (seed 7)`; the
 * fields given combine (all must agree), so `every 10th, at most 3 times`.
 */
export function budgetSummary(r: Pick<FaultRule, "times" | "every" | "probability" | "seed">): string {
  const parts: string[] = [];
  if (r.every !== undefined && r.every > 1) parts.push(`every ${ordinal(r.every)}`);
  if (r.probability !== undefined) parts.push(`${percent(r.probability)}${r.seed !== undefined ? ` (seed ${r.seed})` : ""}`);
  if (r.times !== undefined) {
    if (parts.length === 0) return r.times === 1 ? "first match" : `first ${r.times} matches`;
    parts.push(`at most ${r.times === 1 ? "once" : `${r.times} times`}`);
  }
  return parts.length === 0 ? "every match" : parts.join(", ");
}

/** `name`, or `name 2`, `name 3`… : the first not taken (names compare ignoring case, as the
 *  engine compares them). */
export function freeName(name: string, taken: string[]): string {
  const used = new Set(taken.map((t) => t.toLowerCase()));
  if (!used.has(name.toLowerCase())) return name;
  for (let n = 2; ; n++) {
    const candidate = `${name} ${n}`;
    if (!used.has(candidate.toLowerCase())) return candidate;
  }
}

/** The rule of a listed rule (without its id and counters): what the API and the rules file take. */
export function ruleOf(view: FaultRule & { id?: number; matches?: number; hits?: number }): FaultRule {
  const { id: _id, matches: _m, hits: _h, ...rule } = view;
  return rule;
}
