//! A plausible `WorkspaceInfo` for the workspace tests. Only imported by *.test.tsx files.

import type { WorkspaceInfo } from "../../generated";

/** Workspace `slug` on 127.0.0.1:8787, empty, with `over` applied. */
export function info(over: Partial<WorkspaceInfo> & { slug: string }): WorkspaceInfo {
  const slug = over.slug;
  return {
    name: slug,
    created: "2026-11-28T17:00:00Z",
    template: null,
    tenantUrl: slug === "default" ? "http://127.0.0.1:8787/scim/v2" : `http://127.0.0.1:8787/w/${slug}/scim/v2`,
    publicTenantUrl: null,
    keyMasked: "…abcd",
    users: 0,
    groups: 0,
    exchanges: 0,
    lastExchangeAt: null,
    apiBase: slug === "default" ? "/api" : `/api/workspaces/${slug}`,
    ...over,
  };
}
