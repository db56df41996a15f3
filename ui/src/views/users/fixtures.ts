//! Test fixtures for the Users/Roles tests: mapping results and users pages shaped like the
//! admin API's answers (used by *.test.tsx only).

import type { FieldResult, FieldStatus, Idp, MappingResult, ResourcePage, Role } from "../../generated";

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

export function page(items: [Record<string, unknown>, MappingResult][], idps?: Idp[]): ResourcePage {
  return {
    totalResults: items.length,
    startIndex: 1,
    itemsPerPage: items.length,
    resources: items.map(([r]) => r),
    mappings: items.map(([, m]) => m),
    ...(idps ? { idps } : {}),
  };
}

/** `n` users `<prefix>0@x.test`… (ids `<prefix>0`…) as one page of `total` matching. */
export function bulkPage(prefix: string, n: number, total: number, idp: Idp = "entra"): ResourcePage {
  const items: [Record<string, unknown>, MappingResult][] = Array.from({ length: n }, (_, i) => [
    user(`${prefix}${i}`, `${prefix}${i}@x.test`),
    mapping({ userName: `${prefix}${i}@x.test` }),
  ]);
  return { ...page(items, items.map(() => idp)), totalResults: total };
}

/** A count-only answer (`count=0`): just the total. */
export function totalOnly(total: number): ResourcePage {
  return { totalResults: total, startIndex: 1, itemsPerPage: 0, resources: [], mappings: [], idps: [] };
}

/** Four users: an Admin, a defaulted Member, an invalid role, a user without email. */
export function samplePage(): ResourcePage {
  return page(
    [
      [user("u1", "ada@x.test"), mapping({ userName: "ada@x.test", role: "Admin", roleStatus: "mapped" })],
      [user("u2", "bob@x.test"), mapping({ userName: "bob@x.test" })],
      [user("u3", "cy@x.test", { active: false }), mapping({ userName: "cy@x.test", roleStatus: "invalid", roleRaw: "Superuser" })],
      [user("u4", "di@x.test"), mapping({ userName: "di@x.test", role: "Member", roleStatus: "mapped", email: null })],
    ],
    ["entra", "okta", "okta", "other"],
  );
}
