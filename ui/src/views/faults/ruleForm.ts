//! The fault editor's form as plain data, and its two-way translation to a rule exactly as the
//! rules file writes it (`scimlab serve --faults rules.json`): empty optional fields are left
//! out, numbers are numbers, and only the fields of the chosen action and budget are sent. The
//! engine validates; a 400 names the field (`fieldOf`) so the form can mark it.
//! No React here: unit-tested in ruleForm.test.ts.

import type { FaultAction, FaultMatch, FaultRule, Idp, OperationKind } from "../../generated";

/** What a firing rule does, as the editor's radio offers it. */
export type ActionKind = "error" | "delay" | "drop" | "strict";

/** How often it fires. `combined` only for a rule (from a rules file) that sets several. */
export type BudgetKind = "always" | "times" | "every" | "probability" | "combined";

/** The editor's fields, as typed (numbers as text, so an empty box means "not set"). */
export interface RuleForm {
  name: string;
  idp: Idp | "";
  operation: OperationKind | "";
  method: string;
  path: string;
  userName: string;
  displayName: string;
  kind: ActionKind;
  status: string;
  scimType: string;
  detail: string;
  retryAfter: string;
  afterWrite: boolean;
  delayMs: string;
  budget: BudgetKind;
  times: string;
  every: string;
  /** In percent (20 means 0.2), as the admin thinks of it. */
  percent: string;
  seed: string;
  enabled: boolean;
}

/** The SCIM error types (RFC 7644 §3.12) the engine accepts for `scimType`. */
export const SCIM_TYPES = [
  "invalidFilter",
  "tooMany",
  "uniqueness",
  "mutability",
  "invalidSyntax",
  "invalidPath",
  "noTarget",
  "invalidValue",
  "invalidVers",
  "sensitive",
];

/** The methods a SCIM client sends. */
export const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/** A new rule: answer 500 to every request, on every match. */
export const EMPTY_FORM: RuleForm = {
  name: "",
  idp: "",
  operation: "",
  method: "",
  path: "",
  userName: "",
  displayName: "",
  kind: "error",
  status: "500",
  scimType: "",
  detail: "",
  retryAfter: "",
  afterWrite: false,
  delayMs: "",
  budget: "always",
  times: "",
  every: "",
  percent: "",
  seed: "",
  enabled: true,
};

const text = (v: number | undefined) => (v === undefined ? "" : String(v));

/** The form showing `rule`. */
export function formOf(rule: FaultRule): RuleForm {
  const m = rule.match ?? {};
  const a = rule.action ?? {};
  const kind: ActionKind = a.drop ? "drop" : a.strict ? "strict" : a.status !== undefined ? "error" : "delay";
  const set = [rule.times, rule.every, rule.probability].filter((v) => v !== undefined).length;
  const budget: BudgetKind =
    set > 1 ? "combined" : rule.times !== undefined ? "times" : rule.every !== undefined ? "every" : rule.probability !== undefined ? "probability" : "always";
  return {
    name: rule.name,
    idp: m.idp ?? "",
    operation: m.operation ?? "",
    method: m.method?.toUpperCase() ?? "",
    path: m.path ?? "",
    userName: m.userName ?? "",
    displayName: m.displayName ?? "",
    kind,
    status: kind === "error" ? text(a.status) : EMPTY_FORM.status,
    scimType: a.scimType ?? "",
    detail: a.detail ?? "",
    retryAfter: text(a.retryAfter),
    afterWrite: a.afterWrite === true,
    delayMs: text(a.delayMs),
    budget,
    times: text(rule.times),
    every: text(rule.every),
    percent: rule.probability === undefined ? "" : String(Number((rule.probability * 100).toFixed(6))),
    seed: text(rule.seed),
    enabled: rule.enabled !== false,
  };
}

/** A number box's value: undefined when empty; what was typed (for the engine to refuse by
 *  name) when it is not a number. */
function num(s: string): number | undefined {
  const t = s.trim();
  if (t === "") return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : (t as unknown as number);
}

/** Trimmed text, or undefined when empty. */
function str(s: string): string | undefined {
  const t = s.trim();
  return t === "" ? undefined : t;
}

/** Put `value` under `key` when it is defined (so absent fields stay absent in the JSON). */
function put<T extends object, K extends keyof T>(o: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) o[key] = value;
}

/** The rule the form describes, exactly as the API and the rules file take it. */
export function ruleOfForm(f: RuleForm): FaultRule {
  const match: FaultMatch = {};
  put(match, "idp", f.idp || undefined);
  put(match, "operation", f.operation || undefined);
  put(match, "method", str(f.method)?.toUpperCase());
  put(match, "path", str(f.path));
  put(match, "userName", str(f.userName));
  put(match, "displayName", str(f.displayName));

  const action: FaultAction = {};
  if (f.kind === "error") {
    put(action, "status", num(f.status));
    put(action, "scimType", str(f.scimType));
    put(action, "detail", str(f.detail));
    put(action, "retryAfter", num(f.retryAfter));
  }
  put(action, "delayMs", num(f.delayMs));
  if (f.kind === "drop") action.drop = true;
  if (f.kind === "error" && f.afterWrite) action.afterWrite = true;
  if (f.kind === "strict") action.strict = true;

  const rule = { name: f.name.trim(), match, action } as FaultRule;
  const all = f.budget === "combined";
  if (all || f.budget === "times") put(rule, "times", num(f.times));
  if (all || f.budget === "every") put(rule, "every", num(f.every));
  if (all || f.budget === "probability") {
    const p = num(f.percent);
    put(rule, "probability", typeof p === "number" ? Number((p / 100).toPrecision(12)) : p);
    put(rule, "seed", num(f.seed));
  }
  rule.enabled = f.enabled;
  return rule;
}

/** The field an engine message names (`rule "x": action.status 200 is not…` → `action.status`),
 *  or null when it names none. */
export function fieldOf(message: string): string | null {
  const m = /(?:^|:\s)((?:match|action)\.[A-Za-z]+|name|times|every|probability|seed)\b/.exec(message);
  if (m) return m[1];
  if (/a rule named .* already exists/.test(message)) return "name";
  if (/(?:^|:\s)action does nothing/.test(message)) return "action";
  return null;
}
