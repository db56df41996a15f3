//! Pure text helpers that make the Traffic screen readable on a shared screen: SCIM query strings
//! decoded (`filter=userName%20eq%20%22a%40b%22` → `userName eq "a@b"`), long ids cut in the
//! middle (`2819c223…a5d0`, the full id goes in a title), paths split so their ids can be cut,
//! the status class pills and row accents are coloured by, the IdP's short badge and the
//! quirk count's words. No React here: every function is unit-tested in display.test.ts.

import type { Idp } from "../../generated";

/** One form-encoded query component decoded as the engine reads it (`+` is a space); a
 *  malformed escape stays as sent. */
export function decodeComponent(s: string): string {
  const spaced = s.replace(/\+/g, " ");
  try {
    return decodeURIComponent(spaced);
  } catch {
    // decode the well-formed runs only (a run may still be invalid UTF-8: then keep it raw)
    return spaced.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
  }
}

/** One parameter of a query string, decoded. `value` is null for a bare `name`. */
export interface QueryParam {
  name: string;
  value: string | null;
}

/** The parameters of a raw query string (without `?`), decoded, in order. */
export function queryParams(query: string): QueryParam[] {
  const raw = query.startsWith("?") ? query.slice(1) : query;
  if (!raw) return [];
  return raw
    .split("&")
    .filter((p) => p !== "")
    .map((pair) => {
      const eq = pair.indexOf("=");
      return eq < 0
        ? { name: decodeComponent(pair), value: null }
        : { name: decodeComponent(pair.slice(0, eq)), value: decodeComponent(pair.slice(eq + 1)) };
    });
}

/** A query as a person reads it: the SCIM `filter` first, as its bare expression, then the
 *  other parameters as `name=value`, separated by ` · `. "" for no query. */
export function readableQuery(query: string): string {
  const params = queryParams(query);
  const filters = params.filter((p) => p.name.toLowerCase() === "filter").map((p) => p.value ?? "");
  const rest = params.filter((p) => p.name.toLowerCase() !== "filter").map((p) => (p.value === null ? p.name : `${p.name}=${p.value}`));
  return [...filters, ...rest].join(" · ");
}

/** `2819c223-7f76-453a-919d-413861904646` → `2819c223…4646`: the head and the tail of a long
 *  id, the middle elided. Short ids come back whole. */
export function shortId(id: string, head = 8, tail = 4): string {
  return id.length <= head + tail + 3 ? id : `${id.slice(0, head)}…${id.slice(-tail)}`;
}

/** Whether a path segment is an id worth cutting (a uuid, a long opaque token), not a name. */
export function looksLikeId(segment: string): boolean {
  return segment.length >= 16 && /^[A-Za-z0-9._~:-]+$/.test(segment) && /\d/.test(segment);
}

/** A piece of a path: text as is, or an id (shown cut, with the full one in a title). */
export type PathPart = { text: string; id?: undefined } | { text: string; id: string };

/** The SCIM base path every endpoint of the tenant URL starts with. */
export const SCIM_BASE = "/scim/v2";

/**
 * `path` in pieces, its ids cut in the middle. With `elideBase`, a path under the tenant
 * URL's `/scim/v2/` starts `…/` instead (a narrow column keeps what differs; a path at a
 * wrong base, such as `/scim/Users`, is always shown whole so a wrong URL stays visible).
 */
export function pathParts(path: string, elideBase = false): PathPart[] {
  let rest = path;
  const parts: PathPart[] = [];
  if (elideBase && path.startsWith(`${SCIM_BASE}/`)) {
    parts.push({ text: "…" });
    rest = path.slice(SCIM_BASE.length);
  }
  const segments = rest.split("/");
  segments.forEach((seg, i) => {
    const sep = i === 0 ? "" : "/";
    if (looksLikeId(seg)) {
      if (sep) parts.push({ text: sep });
      parts.push({ text: shortId(seg), id: seg });
    } else {
      parts.push({ text: sep + seg });
    }
  });
  // merge neighbouring plain text
  const out: PathPart[] = [];
  for (const p of parts) {
    const last = out[out.length - 1];
    if (last && last.id === undefined && p.id === undefined) out[out.length - 1] = { text: last.text + p.text };
    else out.push(p);
  }
  return out.filter((p) => p.text !== "");
}

/** `path` as text with its ids cut (see `pathParts`). */
export function shortPath(path: string, elideBase = false): string {
  return pathParts(path, elideBase)
    .map((p) => p.text)
    .join("");
}

/** The status class a pill and a row accent are coloured by: `s2xx`, `s4xx`, `s5xx`… */
export function statusClass(status: number): string {
  const c = Math.floor(status / 100);
  return c >= 1 && c <= 5 ? `s${c}xx` : "s5xx";
}

const IDP_SHORT: Record<Idp, string> = { entra: "Entra", okta: "Okta", other: "other" };

/** The IdP in a narrow column (the full name goes in its title). */
export function idpShort(idp: Idp): string {
  return IDP_SHORT[idp] ?? "other";
}

/** A diagnosis title without the quirk's explanation it ends with ("strict mode refused
 *  entra.capitalized-op: PATCH `op` written…" → "strict mode refused entra.capitalized-op"),
 *  when the banner shows that explanation beside the quirk anyway; otherwise `title` as is. */
export function titleWithoutSummary(title: string, summary: string | undefined): string {
  if (!summary || !title.endsWith(summary) || title.length === summary.length) return title;
  const rest = title.slice(0, title.length - summary.length).replace(/[\s:—–-]+$/, "");
  return rest === "" ? title : rest;
}

/** `1 quirk`, `2 quirks`. */
export function quirkCount(n: number): string {
  return `${n} ${n === 1 ? "quirk" : "quirks"}`;
}
