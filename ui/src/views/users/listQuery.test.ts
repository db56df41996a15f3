//! Tests of the Users list's URL state and engine query: parsing and writing hash params (defaults left out), toggling a sort, the engine's search, the filters in words, the header's total.

import { describe, expect, it } from "vitest";
import {
  DEFAULT_QUERY,
  describeFilters,
  isFiltered,
  listHref,
  queryFromParams,
  queryToParams,
  toApiQuery,
  toggleSort,
  withoutFilters,
} from "./listQuery";
import { headline } from "./UserList";

describe("queryFromParams / queryToParams", () => {
  it("reads every filter and the order, ignoring unknown values", () => {
    const q = queryFromParams(new URLSearchParams("q=ada&idp=okta&active=inactive&sort=displayName&order=descending"));
    expect(q).toEqual({ q: "ada", idp: "okta", active: "inactive", sort: "displayName", order: "descending" });
    expect(queryFromParams(new URLSearchParams("idp=azure&active=yes&sort=role&order=up"))).toEqual(DEFAULT_QUERY);
  });
  it("gives each sort its natural direction unless the link says otherwise", () => {
    expect(queryFromParams(new URLSearchParams("sort=userName")).order).toBe("ascending");
    expect(queryFromParams(new URLSearchParams("sort=lastModified")).order).toBe("descending");
  });
  it("writes only what differs from the default, and round-trips", () => {
    expect(queryToParams(DEFAULT_QUERY)).toEqual({});
    expect(listHref(DEFAULT_QUERY)).toBe("#/users");
    const q = { q: "a b", idp: "entra" as const, active: "active" as const, sort: "userName" as const, order: "descending" as const };
    expect(queryToParams(q)).toEqual({ q: "a b", idp: "entra", active: "active", sort: "userName", order: "descending" });
    expect(queryFromParams(new URLSearchParams(queryToParams(q)))).toEqual(q);
  });
});

describe("toggleSort", () => {
  it("reverses the current column and starts a new one in its natural direction", () => {
    const byName = toggleSort(DEFAULT_QUERY, "userName");
    expect(byName).toMatchObject({ sort: "userName", order: "ascending" });
    expect(toggleSort(byName, "userName")).toMatchObject({ sort: "userName", order: "descending" });
    expect(toggleSort(byName, "created")).toMatchObject({ sort: "created", order: "descending" });
  });
});

describe("toApiQuery", () => {
  it("sends the filters the engine evaluates, trimmed, with the order", () => {
    expect(toApiQuery(DEFAULT_QUERY)).toEqual({ sort: "created", order: "descending" });
    expect(toApiQuery({ q: "  ada ", idp: "okta", active: "inactive", sort: "userName", order: "ascending" })).toEqual({
      q: "ada",
      idp: "okta",
      active: false,
      sort: "userName",
      order: "ascending",
    });
    expect(toApiQuery({ ...DEFAULT_QUERY, active: "active" }).active).toBe(true);
  });
});

describe("filters in words", () => {
  it("names each filter, and none for the order", () => {
    expect(isFiltered({ ...DEFAULT_QUERY, sort: "userName" })).toBe(false);
    expect(isFiltered({ ...DEFAULT_QUERY, q: "  " })).toBe(false);
    const q = { ...DEFAULT_QUERY, q: "zzz", idp: "okta" as const, active: "inactive" as const };
    expect(describeFilters(q)).toBe("search “zzz”, created by Okta, inactive");
    expect(describeFilters({ ...DEFAULT_QUERY, idp: "entra" })).toBe("created by Entra ID");
    expect(withoutFilters({ ...q, sort: "userName", order: "ascending" })).toEqual({ ...DEFAULT_QUERY, sort: "userName", order: "ascending" });
  });
  it("writes the header's total the one way numbers are written", () => {
    expect(headline(5000, 5000, false)).toBe("5,000 users");
    expect(headline(1, 1, false)).toBe("1 user");
    expect(headline(12, 5000, true)).toBe("12 of 5,000 match");
    expect(headline(1, 5050, true)).toBe("1 of 5,050 matches");
    expect(headline(12, null, true)).toBe("12 match");
  });
});
