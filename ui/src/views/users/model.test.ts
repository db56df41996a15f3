//! Tests of the Users/Roles pure helpers: rows from a users page (with the IdP that created each), the mapping summary in the shared status words, and the role/status filter behind Roles' drill-down.

import { describe, expect, it } from "vitest";
import { filterRows, mappingSummary, rowsOf, toRow } from "./model";
import { mapping, samplePage, user } from "./fixtures";

describe("rowsOf / toRow", () => {
  it("takes values from the mapping result, in resource order", () => {
    const rows = rowsOf(samplePage());
    expect(rows.map((r) => r.id)).toEqual(["u1", "u2", "u3", "u4"]);
    expect(rows[0]).toMatchObject({ userName: "ada@x.test", email: "ada@x.test", role: "Admin", roleStatus: "mapped", active: true });
    expect(rows[2]).toMatchObject({ role: "Member", roleStatus: "invalid", active: false });
    expect(rows[3].email).toBeNull();
    expect(rows[0].created).toBe("2026-01-02T10:00:00Z");
    expect(rows.map((r) => r.idp)).toEqual(["entra", "okta", "okta", "other"]);
  });

  it("falls back to the stored userName without a mapping and reads string active", () => {
    const r = toRow(user("x", "raw-name", { active: "False" }), undefined);
    expect(r.userName).toBe("raw-name");
    expect(r.active).toBe(false);
    expect(r.mapping).toBeNull();
    expect(r.idp).toBeNull();
  });
});

describe("filterRows (the Roles drill-down)", () => {
  const rows = rowsOf(samplePage());
  it("filters by effective role", () => {
    expect(filterRows(rows, { kind: "role", role: "Admin" }).map((r) => r.id)).toEqual(["u1"]);
    expect(filterRows(rows, { kind: "role", role: "Member" }).map((r) => r.id)).toEqual(["u2", "u3", "u4"]);
  });
  it("filters by a field's status", () => {
    expect(filterRows(rows, { kind: "status", field: "role", status: "invalid" }).map((r) => r.id)).toEqual(["u3"]);
    expect(filterRows(rows, { kind: "status", field: "role", status: "defaulted" }).map((r) => r.id)).toEqual(["u2"]);
    expect(filterRows(rows, { kind: "status", field: "role", status: "mapped" }).map((r) => r.id)).toEqual(["u1", "u4"]);
    expect(filterRows(rows, { kind: "status", field: "email", status: "missing" }).map((r) => r.id)).toEqual(["u4"]);
    expect(filterRows(rows, { kind: "status", field: "role", status: "ambiguous" })).toEqual([]);
  });
  it("never counts a user without a mapping result in a role", () => {
    const r = toRow(user("x", "x"), undefined);
    expect(filterRows([r], { kind: "role", role: "Member" })).toEqual([]);
  });
});

describe("mappingSummary", () => {
  it("says all mapped, noting a defaulted role", () => {
    expect(mappingSummary(mapping({ userName: "a", role: "Admin", roleStatus: "mapped" }))).toEqual({ text: "all mapped", tone: "good" });
    expect(mappingSummary(mapping({ userName: "a" }))).toMatchObject({ text: "all mapped", title: "role: defaulted — no role arrived, so Member" });
  });
  it("counts problems, invalid first and bad", () => {
    const m = mapping({ userName: "a", roleStatus: "invalid", roleRaw: "x", email: null });
    expect(mappingSummary(m)).toMatchObject({ text: "1 invalid · 1 missing", tone: "bad" });
    expect(mappingSummary(m).title).toBe(
      "email: missing — nothing usable arrived, so the field stays empty (email is missing)\n" +
        "role: invalid — a value that is not exactly Member or Admin arrived, so Member (role is invalid)",
    );
    expect(mappingSummary(mapping({ userName: "a", email: null })).tone).toBe("warn");
  });
});
