//! Pure helpers behind the Users and Roles screens: one row per stored user out of a
//! `ResourcePage` (values from the mapping result, as the target app receives them), the
//! mapping-status summary, the client-side search, and the role/status filter Roles uses for
//! "the users behind a number". No React here so every rule is unit-tested.

import type { FieldResult, FieldStatus, MappingResult, ResourcePage, Role, TargetField } from "../../generated";

/** One user as the list shows it. */
export interface UserRow {
  id: string;
  userName: string;
  displayName: string | null;
  email: string | null;
  /** `true` / `false` as stored; `null` when the IdP never sent `active`. */
  active: boolean | null;
  role: Role;
  roleStatus: FieldStatus | null;
  mapping: MappingResult | null;
  created: string | null;
  modified: string | null;
}

function str(v: unknown): string | null {
  return typeof v === "string" && v !== "" ? v : null;
}

/** The result of one target field, if the mapping has it. */
export function fieldOf(mapping: MappingResult | null | undefined, field: TargetField): FieldResult | null {
  return mapping?.fields.find((f) => f.field === field) ?? null;
}

/** `active` as a boolean, accepting the string forms some IdPs send ("True"/"False"). */
export function activeOf(resource: Record<string, unknown>): boolean | null {
  const a = resource.active;
  if (typeof a === "boolean") return a;
  if (typeof a === "string") {
    if (a.toLowerCase() === "true") return true;
    if (a.toLowerCase() === "false") return false;
  }
  return null;
}

/** A row out of a stored resource and its mapping result. */
export function toRow(resource: Record<string, unknown>, mapping: MappingResult | null | undefined): UserRow {
  const meta = (resource.meta ?? {}) as Record<string, unknown>;
  const m = mapping ?? null;
  const role = fieldOf(m, "role");
  return {
    id: String(resource.id ?? ""),
    userName: fieldOf(m, "userName")?.value ?? str(resource.userName) ?? String(resource.id ?? ""),
    displayName: fieldOf(m, "displayName")?.value ?? str(resource.displayName),
    email: fieldOf(m, "email")?.value ?? null,
    active: activeOf(resource),
    role: m?.effectiveRole ?? "Member",
    roleStatus: role?.status ?? null,
    mapping: m,
    created: str(meta.created),
    modified: str(meta.lastModified),
  };
}

/** Rows of a users page (`mappings` in the same order as `resources`). */
export function rowsOf(page: ResourcePage): UserRow[] {
  return page.resources.map((r, i) => toRow(r, page.mappings?.[i]));
}

/** The problem statuses, in the order they are mentioned. */
const PROBLEMS: FieldStatus[] = ["invalid", "misnamed", "ambiguous", "missing"];

/** How the mapping went for one user: `all mapped`, or counts of fields with problems. */
export function mappingSummary(mapping: MappingResult | null): { text: string; tone: "good" | "warn" | "bad" | "neutral"; title?: string } {
  if (!mapping) return { text: "not evaluated", tone: "neutral" };
  const counts = new Map<FieldStatus, number>();
  for (const f of mapping.fields) counts.set(f.status, (counts.get(f.status) ?? 0) + 1);
  const parts = PROBLEMS.filter((s) => counts.get(s)).map((s) => `${counts.get(s)} ${s}`);
  if (parts.length === 0) {
    return counts.get("defaulted")
      ? { text: "all mapped", tone: "good", title: "no role was sent: Member by default" }
      : { text: "all mapped", tone: "good" };
  }
  const title = mapping.fields
    .filter((f) => PROBLEMS.includes(f.status))
    .map((f) => `${f.field}: ${f.explanation}`)
    .join("\n");
  return { text: parts.join(" · "), tone: counts.get("invalid") ? "bad" : "warn", title };
}

/** Whether a row matches the search text (any of its shown values, case-insensitive). */
export function matches(row: UserRow, q: string): boolean {
  const needle = q.trim().toLowerCase();
  if (!needle) return true;
  const hay = [row.userName, row.displayName, row.email, row.id, row.role, row.roleStatus, row.active === false ? "inactive" : row.active ? "active" : null];
  return hay.some((v) => v !== null && v !== undefined && v.toLowerCase().includes(needle));
}

/** The users behind a number on the Roles screen. */
export type RoleFilter =
  | { kind: "role"; role: Role }
  | { kind: "status"; field: TargetField; status: FieldStatus };

/** Whether a row belongs to a Roles number. */
export function matchesFilter(row: UserRow, filter: RoleFilter): boolean {
  if (filter.kind === "role") return row.mapping !== null && row.role === filter.role;
  return fieldOf(row.mapping, filter.field)?.status === filter.status;
}

/** The rows behind a Roles number. */
export function filterRows(rows: UserRow[], filter: RoleFilter): UserRow[] {
  return rows.filter((r) => matchesFilter(r, filter));
}

/** A filter in words: `Admin users`, `role invalid`. */
export function describeFilter(filter: RoleFilter): string {
  if (filter.kind === "role") return `users whose role is ${filter.role}`;
  return `users whose ${filter.field} is ${filter.status}`;
}

/** The JSON text of a raw value (`—` when nothing arrived). */
export function rawText(raw: unknown): string {
  if (raw === undefined || raw === null) return "—";
  return JSON.stringify(raw);
}
