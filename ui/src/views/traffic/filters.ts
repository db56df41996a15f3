//! The Traffic filters: parsed from and written to the hash query (`#/traffic?idp=okta&status=4xx`)
//! so a filtered view is a shareable link, and the client-side predicate that decides whether a
//! live `exchange.recorded` row belongs in the current view (the same rules as the server's
//! `GET /api/exchanges` filters; free text `q` cannot be judged here and is re-queried instead).

import type { ExchangeSummary, Idp, OperationKind } from "../../generated";
import type { ExchangeFilters } from "../../platform";
import { OPERATIONS } from "../../format";

export type StatusClass = "1xx" | "2xx" | "3xx" | "4xx" | "5xx";
export const STATUS_CLASSES: StatusClass[] = ["1xx", "2xx", "3xx", "4xx", "5xx"];
export const IDPS: Idp[] = ["entra", "okta", "other"];
export const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/** The filters the Traffic screen knows, each "" when unset. */
export interface Filters {
  idp: Idp | "";
  operation: OperationKind | "";
  status: StatusClass | "";
  method: string;
  resource: string;
  q: string;
}

export const NO_FILTERS: Filters = { idp: "", operation: "", status: "", method: "", resource: "", q: "" };

/** Filters from the route's query; unknown values are ignored (a stale link still opens). */
export function filtersFromParams(params: URLSearchParams): Filters {
  const idp = params.get("idp") ?? "";
  const operation = params.get("operation") ?? "";
  const status = params.get("status") ?? "";
  return {
    idp: (IDPS as string[]).includes(idp) ? (idp as Idp) : "",
    operation: (OPERATIONS as string[]).includes(operation) ? (operation as OperationKind) : "",
    status: (STATUS_CLASSES as string[]).includes(status) ? (status as StatusClass) : "",
    method: (params.get("method") ?? "").toUpperCase(),
    resource: params.get("resource") ?? "",
    q: params.get("q") ?? "",
  };
}

/** The set filters as query parameters (for `href`). */
export function filtersToParams(f: Filters): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(NO_FILTERS) as (keyof Filters)[]) {
    if (f[k]) out[k] = f[k];
  }
  return out;
}

/** The filters for `api.exchanges` / `api.exportHar`. */
export function toApiFilters(f: Filters): ExchangeFilters {
  return filtersToParams(f) as ExchangeFilters;
}

/** True when no filter is set. */
export function isUnfiltered(f: Filters): boolean {
  return Object.keys(filtersToParams(f)).length === 0;
}

/** A stable key for "the filters changed" (reload). */
export function filterKey(f: Filters): string {
  return new URLSearchParams(filtersToParams(f)).toString();
}

/** Whether a live row matches every filter but the free text (which needs the bodies). */
export function matches(row: ExchangeSummary, f: Filters): boolean {
  if (f.idp && row.idp !== f.idp) return false;
  if (f.operation && row.operation !== f.operation) return false;
  if (f.status && Math.floor(row.status / 100) !== Number(f.status[0])) return false;
  if (f.method && row.method.toUpperCase() !== f.method.toUpperCase()) return false;
  if (f.resource && row.resourceId !== f.resource) return false;
  return true;
}
