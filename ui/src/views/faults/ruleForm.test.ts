//! The editor's form to the rules-file JSON and back: empty optional fields left out, only the
//! chosen action's and budget's fields sent, numbers as numbers; the field an engine message names.

import { describe, expect, it } from "vitest";
import type { FaultRule } from "../../generated";
import { EMPTY_FORM, fieldOf, formOf, ruleOfForm } from "./ruleForm";

describe("ruleOfForm", () => {
  it("writes a new rule with nothing optional as the smallest rule", () => {
    expect(JSON.stringify(ruleOfForm({ ...EMPTY_FORM, name: " boom " }))).toBe(
      '{"name":"boom","match":{},"action":{"status":500},"enabled":true}',
    );
  });

  it("writes every field set, in the rules file's order, and trims text", () => {
    const rule = ruleOfForm({
      ...EMPTY_FORM,
      name: "escrow",
      idp: "entra",
      operation: "create",
      method: "post",
      path: " /Users ",
      userName: "escrow-*",
      status: "429",
      scimType: "tooMany",
      detail: "slow down",
      retryAfter: "2",
      delayMs: "100",
      budget: "probability",
      percent: "20",
      seed: "7",
      enabled: false,
    });
    expect(JSON.stringify(rule)).toBe(
      JSON.stringify({
        name: "escrow",
        match: { idp: "entra", operation: "create", method: "POST", path: "/Users", userName: "escrow-*" },
        action: { status: 429, scimType: "tooMany", detail: "slow down", retryAfter: 2, delayMs: 100 },
        probability: 0.2,
        seed: 7,
        enabled: false,
      }),
    );
  });

  it("sends only the chosen action's fields", () => {
    const filled = { ...EMPTY_FORM, name: "x", status: "500", scimType: "uniqueness", detail: "d", retryAfter: "3", afterWrite: true, delayMs: "" };
    expect(ruleOfForm({ ...filled, kind: "drop" }).action).toEqual({ drop: true });
    expect(ruleOfForm({ ...filled, kind: "strict", delayMs: "50" }).action).toEqual({ delayMs: 50, strict: true });
    expect(ruleOfForm({ ...filled, kind: "delay", delayMs: "800" }).action).toEqual({ delayMs: 800 });
    expect(ruleOfForm({ ...filled, kind: "error", retryAfter: "" }).action).toEqual({ status: 500, scimType: "uniqueness", detail: "d", afterWrite: true });
  });

  it("sends only the chosen budget's fields", () => {
    const filled = { ...EMPTY_FORM, name: "x", times: "3", every: "10", percent: "12.5", seed: "9" };
    const budget = (r: FaultRule) => ({ times: r.times, every: r.every, probability: r.probability, seed: r.seed });
    expect(budget(ruleOfForm({ ...filled, budget: "always" }))).toEqual({});
    expect(budget(ruleOfForm({ ...filled, budget: "times" }))).toEqual({ times: 3 });
    expect(budget(ruleOfForm({ ...filled, budget: "every" }))).toEqual({ every: 10 });
    expect(budget(ruleOfForm({ ...filled, budget: "probability" }))).toEqual({ probability: 0.125, seed: 9 });
    expect(budget(ruleOfForm({ ...filled, budget: "probability", seed: "" }))).toEqual({ probability: 0.125 });
    expect(budget(ruleOfForm({ ...filled, budget: "combined" }))).toEqual({ times: 3, every: 10, probability: 0.125, seed: 9 });
  });

  it("leaves a value that is not a number for the engine to refuse by name", () => {
    expect(ruleOfForm({ ...EMPTY_FORM, name: "x", status: "abc" }).action.status).toBe("abc");
  });
});

describe("formOf", () => {
  it("round-trips every preset-like rule", () => {
    const rules: FaultRule[] = [
      { name: "Throttled app", match: {}, action: { status: 429, retryAfter: 2, detail: "too many" }, times: 3, enabled: true },
      { name: "No answer", match: { operation: "create" }, action: { drop: true }, enabled: true },
      { name: "Slow app", match: {}, action: { delayMs: 3000 }, enabled: false },
      { name: "Strict", match: { idp: "okta", path: "/Groups/*" }, action: { strict: true }, every: 5, enabled: true },
      { name: "Flaky", match: { userName: "a*" }, action: { status: 500, afterWrite: true }, probability: 0.33, seed: 12, enabled: true },
      { name: "Combined", match: {}, action: { status: 503, retryAfter: 1 }, times: 2, every: 3, enabled: true },
    ];
    for (const r of rules) expect(ruleOfForm(formOf(r))).toEqual(r);
    expect(formOf(rules[5]).budget).toBe("combined");
    expect(formOf(rules[2]).kind).toBe("delay");
  });
});

it("fieldOf finds the field an engine message names", () => {
  expect(fieldOf('rule "x": action.status 200 is not an error status: use 400–599')).toBe("action.status");
  expect(fieldOf('rule "x": match.path \'/Foo\' does not start with a scim endpoint')).toBe("match.path");
  expect(fieldOf('rule "x": times 0 never fires: use at least 1')).toBe("times");
  expect(fieldOf("the rule: name is empty: give the rule a name")).toBe("name");
  expect(fieldOf('a rule named "x" already exists: give this rule another name')).toBe("name");
  expect(fieldOf('rule "x": action does nothing: set status, delayMs, drop or strict')).toBe("action");
  expect(fieldOf("cannot reach the engine")).toBeNull();
});
