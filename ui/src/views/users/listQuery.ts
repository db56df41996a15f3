//! The Users list's search, filters and order: read from and written to the hash query
//! (`#/users?q=ada&idp=okta&active=inactive&sort=userName`) so a filtered list is a shareable
//! link and survives a reload, turned into the engine's `api.users` search (the engine
//! searches, filters and sorts every stored user in SQL; nothing is filtered here), and put in
//! words for the header and the empty result. Also remembers the last list link for the user
//! page's "← Users". No React here so every rule is unit-tested.

import type { Idp } from "../../generated";
import type { UserQuery } from "../../platform/api";
import { href } from "../../state/route";

export type ActiveFilter = "" | "active" | "inactive";
export type SortKey = NonNullable<UserQuery["sort"]>;
export type Order = NonNullable<UserQuery["order"]>;

/** The list's state as the URL holds it ("" when a filter is unset). */
export interface ListQuery {
  q: string;
  idp: Idp | "";
  active: ActiveFilter;
  sort: SortKey;
  order: Order;
}

export const IDP_CHOICES: { value: Idp | ""; label: string }[] = [
  { value: "", label: "All IdPs" },
  { value: "entra", label: "Entra ID" },
  { value: "okta", label: "Okta" },
  { value: "other", label: "other" },
];

export const ACTIVE_CHOICES: { value: ActiveFilter; label: string }[] = [
  { value: "", label: "active and inactive" },
  { value: "active", label: "active" },
  { value: "inactive", label: "inactive" },
];

const SORTS: SortKey[] = ["created", "userName", "displayName", "lastModified"];

/** Newest first for times, A → Z for names (what the engine does by default too). */
export function defaultOrder(sort: SortKey): Order {
  return sort === "created" || sort === "lastModified" ? "descending" : "ascending";
}

export const DEFAULT_QUERY: ListQuery = { q: "", idp: "", active: "", sort: "created", order: "descending" };

/** The query a route names; unknown values are ignored (a stale link still opens). */
export function queryFromParams(params: URLSearchParams): ListQuery {
  const idp = params.get("idp") ?? "";
  const active = params.get("active") ?? "";
  const sortRaw = params.get("sort") ?? "";
  const sort = (SORTS as string[]).includes(sortRaw) ? (sortRaw as SortKey) : DEFAULT_QUERY.sort;
  const orderRaw = params.get("order");
  return {
    q: params.get("q") ?? "",
    idp: idp === "entra" || idp === "okta" || idp === "other" ? idp : "",
    active: active === "active" || active === "inactive" ? active : "",
    sort,
    order: orderRaw === "ascending" || orderRaw === "descending" ? orderRaw : defaultOrder(sort),
  };
}

/** The query as hash parameters, leaving out what is the default (short links). */
export function queryToParams(q: ListQuery): Record<string, string> {
  const out: Record<string, string> = {};
  if (q.q) out.q = q.q;
  if (q.idp) out.idp = q.idp;
  if (q.active) out.active = q.active;
  if (q.sort !== DEFAULT_QUERY.sort) out.sort = q.sort;
  if (q.order !== defaultOrder(q.sort)) out.order = q.order;
  return out;
}

/** A stable key: the list reloads from the first page when it changes. */
export function queryKey(q: ListQuery): string {
  return new URLSearchParams(queryToParams(q)).toString();
}

/** The engine's search for `api.users`. */
export function toApiQuery(q: ListQuery): UserQuery {
  const text = q.q.trim();
  return {
    ...(text ? { q: text } : {}),
    ...(q.idp ? { idp: q.idp } : {}),
    ...(q.active ? { active: q.active === "active" } : {}),
    sort: q.sort,
    order: q.order,
  };
}

/** Whether any filter narrows the list (the order does not). */
export function isFiltered(q: ListQuery): boolean {
  return q.q.trim() !== "" || q.idp !== "" || q.active !== "";
}

/** The same order without any filter. */
export function withoutFilters(q: ListQuery): ListQuery {
  return { ...q, q: "", idp: "", active: "" };
}

/** Sort by `key`: the other direction when already sorted by it, else its default direction. */
export function toggleSort(q: ListQuery, key: SortKey): ListQuery {
  if (q.sort === key) return { ...q, order: q.order === "ascending" ? "descending" : "ascending" };
  return { ...q, sort: key, order: defaultOrder(key) };
}

const IDP_WORDS: Record<Idp, string> = { entra: "created by Entra ID", okta: "created by Okta", other: "created by another client" };

/** The filters in words: `search “ada”, created by Okta, inactive` ("" when none). */
export function describeFilters(q: ListQuery): string {
  const parts: string[] = [];
  const text = q.q.trim();
  if (text) parts.push(`search “${text}”`);
  if (q.idp) parts.push(IDP_WORDS[q.idp]);
  if (q.active) parts.push(q.active);
  return parts.join(", ");
}

/** The list's link for a query. */
export function listHref(q: ListQuery): string {
  return href("users", null, queryToParams(q));
}

let lastList = href("users");

/** Remember the list's link (the user page goes back to it). */
export function rememberList(q: ListQuery): void {
  lastList = listHref(q);
}

/** The last list link shown, `#/users` before any. */
export function lastListHref(): string {
  return lastList;
}

/** Go to the list with `q`; `replace` keeps typing out of the history. */
export function goToUsers(q: ListQuery, replace = false): void {
  const h = listHref(q);
  rememberList(q);
  if (replace) {
    window.history.replaceState(window.history.state, "", h);
    window.dispatchEvent(new HashChangeEvent("hashchange"));
  } else {
    window.location.hash = h;
  }
}
