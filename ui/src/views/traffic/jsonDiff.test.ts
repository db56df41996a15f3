import { describe, expect, it } from "vitest";
import { diffJson } from "./jsonDiff";

describe("diffJson", () => {
  it("finds nothing between equal documents (key order ignored)", () => {
    expect(diffJson({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toEqual([]);
  });

  it("reports changed, added and removed nested paths", () => {
    const before = { active: true, name: { givenName: "Barb", familyName: "J" }, title: "x" };
    const after = { active: false, name: { givenName: "Babs", familyName: "J" }, nickName: "B" };
    expect(diffJson(before, after)).toEqual([
      { path: "active", kind: "changed", before: true, after: false },
      { path: "name.givenName", kind: "changed", before: "Barb", after: "Babs" },
      { path: "title", kind: "removed", before: "x" },
      { path: "nickName", kind: "added", after: "B" },
    ]);
  });

  it("compares arrays by index", () => {
    const d = diffJson({ emails: [{ value: "a" }] }, { emails: [{ value: "b" }, { value: "c" }] });
    expect(d).toEqual([
      { path: "emails[0].value", kind: "changed", before: "a", after: "b" },
      { path: "emails[1]", kind: "added", after: { value: "c" } },
    ]);
  });

  it("quotes keys that are not identifiers (URNs)", () => {
    const urn = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    const d = diffJson({ [urn]: { employeeNumber: "1" } }, { [urn]: { employeeNumber: "2" } });
    expect(d[0].path).toBe(`["${urn}"].employeeNumber`);
  });

  it("lists every attribute of a create, and of a delete", () => {
    expect(diffJson(null, { id: "1", userName: "u" }).map((e) => `${e.kind} ${e.path}`)).toEqual(["added id", "added userName"]);
    expect(diffJson({ id: "1" }, null)).toEqual([{ path: "id", kind: "removed", before: "1" }]);
  });

  it("reports a type change as a change of that path", () => {
    expect(diffJson({ active: "False" }, { active: false })).toEqual([
      { path: "active", kind: "changed", before: "False", after: false },
    ]);
  });
});
