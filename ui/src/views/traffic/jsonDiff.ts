//! A small structural JSON diff for the Traffic detail pane: what a write did to the stored
//! resource (Exchange.before → after), as added / removed / changed paths. Objects are compared
//! key by key, arrays index by index; a subtree that exists on one side only is one entry.

export type DiffKind = "added" | "removed" | "changed";

export interface DiffEntry {
  /** `name.givenName`, `emails[0].value`, `["urn:…:User"].employeeNumber`. */
  path: string;
  kind: DiffKind;
  before?: unknown;
  after?: unknown;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const PLAIN_KEY = /^[A-Za-z_$][\w$-]*$/;

function child(path: string, key: string): string {
  if (PLAIN_KEY.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => same(v, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && same(a[k], b[k]));
  }
  return false;
}

function walk(before: unknown, after: unknown, path: string, out: DiffEntry[]): void {
  if (same(before, after)) return;
  if (isObject(before) && isObject(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    for (const k of keys) {
      const p = child(path, k);
      const inB = Object.prototype.hasOwnProperty.call(before, k);
      const inA = Object.prototype.hasOwnProperty.call(after, k);
      if (inB && !inA) out.push({ path: p, kind: "removed", before: before[k] });
      else if (!inB && inA) out.push({ path: p, kind: "added", after: after[k] });
      else walk(before[k], after[k], p, out);
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const n = Math.max(before.length, after.length);
    for (let i = 0; i < n; i++) {
      const p = `${path}[${i}]`;
      if (i >= after.length) out.push({ path: p, kind: "removed", before: before[i] });
      else if (i >= before.length) out.push({ path: p, kind: "added", after: after[i] });
      else walk(before[i], after[i], p, out);
    }
    return;
  }
  out.push({ path: path || "(whole resource)", kind: "changed", before, after });
}

/**
 * The differences from `before` to `after`. A missing side (`null`/`undefined`: a create or a
 * delete) is treated as `{}` when the other side is an object, so every attribute is listed.
 */
export function diffJson(before: unknown, after: unknown): DiffEntry[] {
  const b = before === null || before === undefined ? (isObject(after) ? {} : before) : before;
  const a = after === null || after === undefined ? (isObject(before) ? {} : after) : after;
  const out: DiffEntry[] = [];
  walk(b, a, "", out);
  return out;
}

/** A value in one line for the diff table. */
export function brief(v: unknown): string {
  if (v === undefined) return "";
  const s = JSON.stringify(v);
  return s.length > 160 ? `${s.slice(0, 157)}…` : s;
}
