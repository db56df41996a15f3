//! Pure helpers behind the Users and Roles screens: one row per stored user out of a
//! `ResourcePage` (values from the mapping result, as the target app receives them, and the
//! IdP that created it), the mapping-status summary in the shared status words, and the
//! role/status filter Roles uses for "the users behind a number". Searching, filtering by IdP
//! or active, and sorting are the engine's (listQuery.ts). No React here so every rule is
//! unit-tested.

import type { FieldResult, FieldStatus, Idp, MappingResult, ResourcePage, Role, TargetField } from "../../generated";
import { count } from "../../format";
import { PROBLEMS, statusSentence } from "./statusWords";

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
  /** The IdP that created the user (`null` when the page did not say). */
  idp: Idp | null;
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
export function toRow(resource: Record<string, unknown>, mapping: MappingResult | null | undefined, idp: Idp | null = null): UserRow {
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
    idp,
    created: str(meta.created),
    modified: str(meta.lastModified),
  };
}

/** Rows of a users page (`mappings` and `idps` in the same order as `resources`). */
export function rowsOf(page: ResourcePage): UserRow[] {
  return page.resources.map((r, i) => toRow(r, page.mappings?.[i], page.idps?.[i] ?? null));
}

/** How the mapping went for one user: `all mapped`, or counts of fields with problems, in the
 *  status words; the title says what each problem means and what the IdP's explanation is. */
export function mappingSummary(mapping: MappingResult | null): { text: string; tone: "good" | "warn" | "bad" | "neutral"; title?: string } {
  if (!mapping) return { text: "not evaluated", tone: "neutral" };
  const counts = new Map<FieldStatus, number>();
  for (const f of mapping.fields) counts.set(f.status, (counts.get(f.status) ?? 0) + 1);
  const parts = PROBLEMS.filter((s) => counts.get(s)).map((s) => `${count(counts.get(s) ?? 0)} ${s}`);
  if (parts.length === 0) {
    const defaulted = mapping.fields.filter((f) => f.status === "defaulted");
    return defaulted.length
      ? { text: "all mapped", tone: "good", title: defaulted.map((f) => `${f.field}: ${statusSentence("defaulted", f.field)}`).join("\n") }
      : { text: "all mapped", tone: "good" };
  }
  const title = mapping.fields
    .filter((f) => PROBLEMS.includes(f.status))
    .map((f) => `${f.field}: ${statusSentence(f.status, f.field)} (${f.explanation})`)
    .join("\n");
  return { text: parts.join(" · "), tone: counts.get("invalid") ? "bad" : "warn", title };
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
