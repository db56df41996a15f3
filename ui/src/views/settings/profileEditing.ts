//! The mapping-profile editor's pure list operations: read, add, remove, move and replace the
//! ordered source paths of one target field, find the source a save error names, derive an id
//! from a name, duplicate a profile for editing and clean it for saving. No React here, so
//! every rule is unit-tested (Settings.test.tsx).

import type { MappingProfile, TargetField } from "../../generated";

export const TARGET_FIELDS: TargetField[] = ["userName", "displayName", "email", "role"];

/** The sources of one field (empty when the profile has no rule for it). */
export function sourcesOf(p: MappingProfile, field: TargetField): string[] {
  return p.fields.find((f) => f.field === field)?.sources ?? [];
}

function withSources(p: MappingProfile, field: TargetField, sources: string[]): MappingProfile {
  const has = p.fields.some((f) => f.field === field);
  const fields = has
    ? p.fields.map((f) => (f.field === field ? { ...f, sources } : f))
    : [...p.fields, { field, sources }];
  // Keep the target model's order.
  fields.sort((a, b) => TARGET_FIELDS.indexOf(a.field) - TARGET_FIELDS.indexOf(b.field));
  return { ...p, fields };
}

/** Append a source path to a field (trimmed; blank paths are ignored). */
export function addSource(p: MappingProfile, field: TargetField, path: string): MappingProfile {
  const t = path.trim();
  if (!t) return p;
  return withSources(p, field, [...sourcesOf(p, field), t]);
}

/** Remove the source at `index`. */
export function removeSource(p: MappingProfile, field: TargetField, index: number): MappingProfile {
  const s = sourcesOf(p, field);
  if (index < 0 || index >= s.length) return p;
  return withSources(p, field, s.filter((_, i) => i !== index));
}

/** Move the source at `index` by `delta` (−1 up, +1 down); out of range is a no-op. */
export function moveSource(p: MappingProfile, field: TargetField, index: number, delta: number): MappingProfile {
  const s = [...sourcesOf(p, field)];
  const to = index + delta;
  if (index < 0 || index >= s.length || to < 0 || to >= s.length) return p;
  [s[index], s[to]] = [s[to], s[index]];
  return withSources(p, field, s);
}

/** Replace the source at `index`. */
export function setSource(p: MappingProfile, field: TargetField, index: number, path: string): MappingProfile {
  const s = [...sourcesOf(p, field)];
  if (index < 0 || index >= s.length) return p;
  s[index] = path;
  return withSources(p, field, s);
}

/** The field and 0-based source index a save error names (`the role rule of …, source 5: …`). */
export function badSourceOf(message: string | null): { field: TargetField; index: number } | null {
  if (!message) return null;
  const m = /\bthe (userName|displayName|email|role) rule\b.*?\bsource (\d+)/.exec(message);
  return m ? { field: m[1] as TargetField, index: Number(m[2]) - 1 } : null;
}

/** A profile id from a name: lowercase letters, digits and dashes. */
export function slugify(name: string): string {
  return name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 48);
}

/** A copy of `p` as a new admin profile, with every target field present and blank paths dropped. */
export function duplicate(p: MappingProfile, id: string, name: string): MappingProfile {
  let copy: MappingProfile = { id, name, builtin: false, fields: p.fields.map((f) => ({ ...f, sources: [...f.sources] })) };
  for (const f of TARGET_FIELDS) if (!copy.fields.some((x) => x.field === f)) copy = withSources(copy, f, []);
  return copy;
}

/** The profile as saved: blank paths dropped, paths trimmed. */
export function cleaned(p: MappingProfile): MappingProfile {
  return { ...p, fields: p.fields.map((f) => ({ ...f, sources: f.sources.map((s) => s.trim()).filter(Boolean) })) };
}

/** The first free id for a copy of `from`: `<id>-custom`, then `<id>-custom-2`, `-3`… */
export function copyIdFor(from: MappingProfile, profiles: MappingProfile[]): string {
  let id = slugify(`${from.id}-custom`);
  for (let n = 2; profiles.some((p) => p.id === id); n++) id = slugify(`${from.id}-custom-${n}`);
  return id;
}

/** Why `id` cannot name a new profile, or null when it can. */
export function newIdProblem(id: string, profiles: MappingProfile[]): string | null {
  if (!id) return "give it an id";
  if (!/^[a-z0-9][a-z0-9-]*$/.test(id)) return "use lowercase letters, digits and dashes";
  if (profiles.some((p) => p.id === id)) return `a profile '${id}' exists already`;
  return null;
}
