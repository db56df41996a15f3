import { describe, expect, it } from "vitest";
import type { ExchangeSummary } from "../../generated";
import { filterKey, filtersFromParams, filtersToParams, isUnfiltered, matches, NO_FILTERS } from "./filters";

const row = (over: Partial<ExchangeSummary> = {}): ExchangeSummary => ({
  id: 1,
  at: "2026-01-01T00:00:00.000Z",
  method: "PATCH",
  path: "/scim/v2/Users/u1",
  query: "",
  status: 200,
  latencyMs: 1,
  idp: "entra",
  operation: "deactivate",
  resourceType: "User",
  resourceId: "u1",
  resourceName: "a@b.c",
  quirks: [],
  ...over,
});

describe("matches", () => {
  it("passes everything without filters", () => {
    expect(matches(row(), NO_FILTERS)).toBe(true);
  });
  it("checks the IdP", () => {
    expect(matches(row(), { ...NO_FILTERS, idp: "entra" })).toBe(true);
    expect(matches(row(), { ...NO_FILTERS, idp: "okta" })).toBe(false);
  });
  it("checks the operation", () => {
    expect(matches(row(), { ...NO_FILTERS, operation: "deactivate" })).toBe(true);
    expect(matches(row(), { ...NO_FILTERS, operation: "create" })).toBe(false);
  });
  it("checks the status class, at its edges", () => {
    const f = { ...NO_FILTERS, status: "4xx" as const };
    expect(matches(row({ status: 400 }), f)).toBe(true);
    expect(matches(row({ status: 499 }), f)).toBe(true);
    expect(matches(row({ status: 399 }), f)).toBe(false);
    expect(matches(row({ status: 500 }), f)).toBe(false);
  });
  it("checks the method in any case", () => {
    expect(matches(row({ method: "PATCH" }), { ...NO_FILTERS, method: "patch" })).toBe(true);
    expect(matches(row({ method: "PUT" }), { ...NO_FILTERS, method: "PATCH" })).toBe(false);
  });
  it("checks the resource id exactly", () => {
    expect(matches(row(), { ...NO_FILTERS, resource: "u1" })).toBe(true);
    expect(matches(row({ resourceId: null }), { ...NO_FILTERS, resource: "u1" })).toBe(false);
    expect(matches(row({ resourceId: "u10" }), { ...NO_FILTERS, resource: "u1" })).toBe(false);
  });
  it("needs every filter to hold", () => {
    expect(matches(row(), { ...NO_FILTERS, idp: "entra", status: "5xx" })).toBe(false);
  });
});

describe("URL round trip", () => {
  it("parses known values and drops unknown ones", () => {
    const f = filtersFromParams(new URLSearchParams("idp=okta&status=404&operation=nope&method=patch&q=jdoe"));
    expect(f).toEqual({ ...NO_FILTERS, idp: "okta", method: "PATCH", q: "jdoe" });
  });
  it("writes only set filters, and reads them back", () => {
    const f = { ...NO_FILTERS, idp: "entra" as const, status: "4xx" as const, resource: "u 1" };
    expect(filtersToParams(f)).toEqual({ idp: "entra", status: "4xx", resource: "u 1" });
    expect(filtersFromParams(new URLSearchParams(filterKey(f)))).toEqual(f);
    expect(isUnfiltered(NO_FILTERS)).toBe(true);
    expect(isUnfiltered(f)).toBe(false);
  });
});
