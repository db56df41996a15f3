//! The workspace the UI works in: its slug and its admin routes' prefix (`/api` for `default`,
//! `/api/workspaces/<slug>` for the others). Every workspace route of `api` and the event stream
//! go under this prefix; the choice is remembered in localStorage (`scimlab.workspace`) so a
//! reload comes back to it. Whether the remembered workspace still exists is the caller's to
//! check (state/engine.tsx asks the engine before the screens load, and falls back to default).

/** The workspace `/scim/v2` serves, which cannot be deleted. */
export const DEFAULT_WORKSPACE = "default";

/** Where the chosen workspace's slug is remembered. */
export const WORKSPACE_KEY = "scimlab.workspace";

/** A workspace as the API client needs it. */
export interface WorkspaceRef {
  slug: string;
  /** Its admin routes' prefix, e.g. `/api/workspaces/contoso-entra`. */
  apiBase: string;
}

/** The admin routes' prefix of workspace `slug` (what the engine's `apiBase` says). */
export function apiBaseOf(slug: string): string {
  return slug === DEFAULT_WORKSPACE ? "/api" : `/api/workspaces/${encodeURIComponent(slug)}`;
}

/** The slug of a workspace name, as the engine makes it: lower-cased, every run of characters a
 *  slug cannot hold as one `-`, no `-` at either end, at most 40 characters ("" when nothing is left). */
export function slugOf(name: string): string {
  let slug = "";
  for (const c of name.trim().toLowerCase()) {
    if (/^[a-z0-9]$/.test(c)) slug += c;
    else if (slug !== "" && !slug.endsWith("-")) slug += "-";
  }
  slug = slug.slice(0, 40);
  while (slug.endsWith("-")) slug = slug.slice(0, -1);
  return slug;
}

/** The tenant URL workspace `slug` gets, on the origin of `anyTenantUrl` (another workspace's). */
export function tenantUrlFor(slug: string, anyTenantUrl: string): string {
  const path = slug === DEFAULT_WORKSPACE ? "/scim/v2" : `/w/${slug}/scim/v2`;
  try {
    return `${new URL(anyTenantUrl).origin}${path}`;
  } catch {
    return path;
  }
}

/** The slug remembered from the last session (`default` when none, or storage is unavailable). */
export function storedWorkspace(): string {
  try {
    const s = localStorage.getItem(WORKSPACE_KEY);
    return s && /^[a-z0-9][a-z0-9-]{0,39}$/.test(s) ? s : DEFAULT_WORKSPACE;
  } catch {
    return DEFAULT_WORKSPACE;
  }
}

function remember(slug: string): void {
  try {
    if (slug === DEFAULT_WORKSPACE) localStorage.removeItem(WORKSPACE_KEY);
    else localStorage.setItem(WORKSPACE_KEY, slug);
  } catch {
    // private mode: the choice lasts for this page only
  }
}

let current: WorkspaceRef = (() => {
  const slug = storedWorkspace();
  return { slug, apiBase: apiBaseOf(slug) };
})();

/** The workspace every workspace route goes to now. */
export function currentWorkspace(): WorkspaceRef {
  return current;
}

/** Work in `ws` from now on (and remember it for the next session). */
export function setWorkspace(ws: WorkspaceRef): void {
  current = { slug: ws.slug, apiBase: ws.apiBase.replace(/\/$/, "") };
  remember(ws.slug);
}

/** `/api/<rest>` of the current workspace: `ws("/exchanges")` → `/api/workspaces/x/exchanges`. */
export function ws(rest: string): string {
  return `${current.apiBase}${rest}`;
}
