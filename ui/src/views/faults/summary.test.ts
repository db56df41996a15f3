//! The plain-English lines of a fault rule (match, action, budget), ordinals and durations, and
//! the name a preset gets when its own is taken.

import { describe, expect, it } from "vitest";
import { actionSummary, budgetSummary, duration, freeName, matchSummary, ordinal, ruleOf } from "./summary";

describe("matchSummary", () => {
  it("says every request for an empty match", () => {
    expect(matchSummary({})).toBe("every request");
    expect(matchSummary(undefined)).toBe("every request");
  });
  it("names the IdP, the operation and the globs", () => {
    expect(matchSummary({ idp: "entra", operation: "create", userName: "escrow-*" })).toBe("Entra ID creates of userName escrow-*");
    expect(matchSummary({ operation: "create" })).toBe("every create");
    expect(matchSummary({ operation: "deactivate", userName: "a*" })).toBe("every deactivation of userName a*");
    expect(matchSummary({ idp: "okta", method: "post", path: "/Users/*" })).toBe("Okta POST requests to /Users/*");
    expect(matchSummary({ method: "DELETE" })).toBe("every DELETE request");
    expect(matchSummary({ idp: "okta" })).toBe("Okta requests");
    expect(matchSummary({ idp: "other", operation: "group-membership", displayName: "Sales*" })).toBe(
      "other clients' membership changes of displayName Sales*",
    );
    expect(matchSummary({ operation: "update", method: "PATCH" })).toBe("every update sent as PATCH");
  });
});

describe("actionSummary", () => {
  it("says each kind of action", () => {
    expect(actionSummary({ status: 429, retryAfter: 2 })).toBe("answer 429 with Retry-After 2 s");
    expect(actionSummary({ delayMs: 800 })).toBe("wait 800 ms");
    expect(actionSummary({ delayMs: 3000 })).toBe("wait 3 s");
    expect(actionSummary({ drop: true })).toBe("close the connection");
    expect(actionSummary({ status: 500, afterWrite: true })).toBe("answer 500 after writing");
    expect(actionSummary({ strict: true })).toBe("answer as strict mode");
    expect(actionSummary({ status: 409, scimType: "uniqueness", detail: "taken" })).toBe("answer 409 uniqueness");
  });
  it("puts the delay first when it comes before another action", () => {
    expect(actionSummary({ delayMs: 800, drop: true })).toBe("wait 800 ms, then close the connection");
    expect(actionSummary({ delayMs: 1500, status: 503, retryAfter: 10 })).toBe("wait 1.5 s, then answer 503 with Retry-After 10 s");
    expect(actionSummary({})).toBe("do nothing");
  });
});

describe("budgetSummary", () => {
  it("says how often", () => {
    expect(budgetSummary({})).toBe("every match");
    expect(budgetSummary({ times: 3 })).toBe("first 3 matches");
    expect(budgetSummary({ times: 1 })).toBe("first match");
    expect(budgetSummary({ every: 10 })).toBe("every 10th");
    expect(budgetSummary({ every: 2 })).toBe("every 2nd");
    expect(budgetSummary({ probability: 0.2, seed: 7 })).toBe("20 % (seed 7)");
    expect(budgetSummary({ probability: 0.125 })).toBe("12.5 %");
  });
  it("combines the fields given (all must agree)", () => {
    expect(budgetSummary({ every: 10, times: 3 })).toBe("every 10th, at most 3 times");
    expect(budgetSummary({ probability: 0.5, times: 1 })).toBe("50 %, at most once");
  });
});

it("writes ordinals and durations", () => {
  expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111].map(ordinal)).toEqual([
    "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th",
  ]);
  expect(duration(999)).toBe("999 ms");
  expect(duration(2000)).toBe("2 s");
});

describe("freeName", () => {
  it("keeps a free name and suffixes a taken one, ignoring case", () => {
    expect(freeName("Throttled app", ["Slow app"])).toBe("Throttled app");
    expect(freeName("Throttled app", ["throttled APP"])).toBe("Throttled app 2");
    expect(freeName("Throttled app", ["Throttled app", "Throttled app 2"])).toBe("Throttled app 3");
  });
});

it("ruleOf drops the id and counters of a listed rule", () => {
  expect(ruleOf({ id: 4, matches: 9, hits: 3, name: "x", match: {}, action: { drop: true }, times: 2, enabled: true })).toEqual({
    name: "x",
    match: {},
    action: { drop: true },
    times: 2,
    enabled: true,
  });
});
