//! Test fixtures for the Users/Roles tests: mapping results and users pages shaped like the
//! admin API's answers (used by *.test.tsx only).

import type { FieldResult, FieldStatus, MappingResult, ResourcePage, Role } from "../../generated";

export function field(f: FieldResult["field"], value: string | null, status: FieldStatus, raw: unknown = value, path: string | null = f): FieldResult {
  return { field: f, value, path, raw, status, explanation: `${f} is ${status}` };
}

export function mapping(opts: { userName: string; role?: Role; roleStatus?: FieldStatus; roleRaw?: unknown; email?: string | null; emailStatus?: FieldStatus }): MappingResult {
  const role = opts.role ?? "Member";
  const roleStatus = opts.roleStatus ?? "defaulted";
  return {
    profileId: "auto",
    appliedProfileId: "entra",
    profileExplanation: "created by entra, so the entra profile applies",
    fields: [
      field("userName", opts.userName, "mapped"),
      field("displayName", `${opts.userName} Display`, "mapped"),
      opts.email === null ? field("email", null, opts.emailStatus ?? "missing", null, null) : field("email", opts.email ?? opts.userName, opts.emailStatus ?? "mapped"),
      field("role", role, roleStatus, opts.roleRaw === undefined ? (roleStatus === "defaulted" ? null : role) : opts.roleRaw, roleStatus === "defaulted" ? null : "roles[primary eq true].value"),
    ],
    unmapped: ["name.givenName"],
    effectiveRole: role,
  };
}

export function user(id: string, userName: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
    id,
    userName,
    active: true,
    meta: { resourceType: "User", created: "2026-01-02T10:00:00Z", lastModified: "2026-01-03T11:00:00Z" },
    ...extra,
  };
}

export function page(items: [Record<string, unknown>, MappingResult][]): ResourcePage {
  return {
    totalResults: items.length,
    startIndex: 1,
    itemsPerPage: items.length,
    resources: items.map(([r]) => r),
    mappings: items.map(([, m]) => m),
  };
}

/** Four users: an Admin, a defaulted Member, an invalid role, a user without email. */
export function samplePage(): ResourcePage {
  return page([
    [user("u1", "ada@x.test"), mapping({ userName: "ada@x.test", role: "Admin", roleStatus: "mapped" })],
    [user("u2", "bob@x.test"), mapping({ userName: "bob@x.test" })],
    [user("u3", "cy@x.test", { active: false }), mapping({ userName: "cy@x.test", roleStatus: "invalid", roleRaw: "Superuser" })],
    [user("u4", "di@x.test"), mapping({ userName: "di@x.test", role: "Member", roleStatus: "mapped", email: null })],
  ]);
}
