//! Typed calls to every admin API route (docs/admin-api.md). Views call these, never fetch.
//! A workspace's own routes go to the current workspace (`ws()`, see workspace.ts); health,
//! the quirk labels and the directory of workspaces (`/api/workspaces…`) are the engine's.

import type {
  AdminUserInfo,
  AuditPage,
  ChecklistReply,
  DeletedWorkspace,
  EndpointInfo,
  EngineSettings,
  ExchangeDetail,
  ExchangePage,
  FaultList,
  FaultRule,
  FaultRuleView,
  Health,
  Idp,
  MappingProfile,
  OperationKind,
  PathCheck,
  ProfileList,
  QuirkInfo,
  ReplayStarted,
  ReplayStatus,
  ResetResult,
  ResourceDetail,
  ResourcePage,
  RevealedKey,
  SessionInfo,
  RoleSummaryReply,
  RotatedKey,
  SeenAttributes,
  SettingsUpdate,
  SimulationStarted,
  SimulationStatus,
  StartReplay,
  StartSimulation,
  Timeline,
  TunnelState,
  WorkspaceInfo,
  NewWorkspace,
} from "../generated";
import { json, jsonAlso, query, request, upload } from "./http";
import { ws } from "./workspace";

/** A workspace export: the `.scimlab` file's bytes and the name the engine suggests. */
export interface WorkspaceFile {
  name: string;
  bytes: Uint8Array;
}

/** The file name of a `Content-Disposition: attachment; filename="x"` header, or null. */
export function attachmentName(header: string | null): string | null {
  const m = header ? /filename="?([^";]+)"?/i.exec(header) : null;
  return m ? m[1].replace(/[/\\]/g, "_") : null;
}

const wsPath = (slug: string) => `/api/workspaces/${encodeURIComponent(slug)}`;

/** Formats of `GET /api/checklist/report`. */
export type ReportFormat = "md" | "html";

/** The filters of `GET /api/exchanges` (all optional, all must hold). */
export interface ExchangeFilters {
  idp?: Idp | "";
  operation?: OperationKind | "";
  status?: "1xx" | "2xx" | "3xx" | "4xx" | "5xx" | "";
  method?: string;
  resource?: string;
  q?: string;
}

/** The search, filters and order of `GET /api/users` (all optional). */
export interface UserQuery {
  /** Text found in the userName, display name, name parts, an email or the externalId, or the exact SCIM id. */
  q?: string;
  idp?: Idp | "";
  active?: boolean;
  sort?: "created" | "userName" | "displayName" | "lastModified";
  order?: "ascending" | "descending";
}

export const api = {
  /** The engine's health; also when it is `degraded` (`503`: the database does not answer). */
  health: () => jsonAlso<Health>("/api/health", [503]),
  endpoint: () => json<EndpointInfo>("GET", ws("/endpoint")),
  revealKey: () => json<RevealedKey>("POST", ws("/endpoint/reveal")),
  rotateKey: () => json<RotatedKey>("POST", ws("/endpoint/rotate")),
  /** Make the SCIM port public: a cloudflared quick tunnel (`starting`; `running` follows as
   *  a `tunnel.changed` event), an ngrok tunnel already running (`external`), or how to install
   *  either (`unavailable`). 409 while one is starting or running. */
  startTunnel: () => json<TunnelState>("POST", ws("/endpoint/tunnel")),
  /** Stop the cloudflared ScimLab runs (gone when this answers); 409 for ngrok's. */
  stopTunnel: () => json<TunnelState>("DELETE", ws("/endpoint/tunnel")),

  exchanges: (filters: ExchangeFilters, before?: number | null, limit = 200) =>
    json<ExchangePage>("GET", ws(`/exchanges${query({ ...filters, before: before ?? undefined, limit })}`)),
  /** One exchange, whole, with `diagnosis` (why it failed and the fix) when it failed. */
  exchange: (id: number) => json<ExchangeDetail>("GET", ws(`/exchanges/${id}`)),
  /** Requests per time bucket by outcome, and the IdPs' detected cycles. */
  timeline: () => json<Timeline>("GET", ws("/timeline")),
  /** The filtered exchanges as a HAR 1.2 document (already redacted), as text. */
  exportHar: async (filters: ExchangeFilters) =>
    (await request("GET", ws(`/exchanges/export${query({ ...filters })}`))).text(),

  /** One page of users, searched, filtered and sorted by the engine; `totalResults` is the
   *  number matching, `idps` the IdP that created each. */
  users: (startIndex = 1, count = 500, search: UserQuery = {}) =>
    json<ResourcePage>(
      "GET",
      ws(`/users${query({ startIndex, count, ...search, active: search.active === undefined ? undefined : String(search.active) })}`),
    ),
  user: (id: string) => json<ResourceDetail>("GET", ws(`/users/${encodeURIComponent(id)}`)),
  groups: (startIndex = 1, count = 500) => json<ResourcePage>("GET", ws(`/groups${query({ startIndex, count })}`)),
  group: (id: string) => json<ResourceDetail>("GET", ws(`/groups/${encodeURIComponent(id)}`)),

  /** Every quirk label with its plain-words explanation. */
  quirks: () => json<QuirkInfo[]>("GET", "/api/quirks"),

  roles: () => json<RoleSummaryReply>("GET", ws("/roles")),
  checklist: (idp: "entra" | "okta") => json<ChecklistReply>("GET", ws(`/checklist${query({ idp })}`)),
  /** The report, as text: `md` the checklist in Markdown, `html` the whole hand-over report
   *  (checklist, roles, users' mappings, failing requests) as one self-contained HTML file. */
  checklistReport: async (idp: "entra" | "okta", format: ReportFormat = "md") =>
    (await request("GET", ws(`/checklist/report${query({ idp, format })}`))).text(),

  profiles: () => json<ProfileList>("GET", ws("/profiles")),
  /** Whether each source path parses (the editor checks as the admin types). */
  checkPaths: (sources: string[]) => json<PathCheck[]>("POST", ws("/profiles/check"), { sources }),
  /** The attribute paths stored users carry, most common first (suggestions for the editor). */
  seenAttributes: () => json<SeenAttributes>("GET", ws("/attributes")),
  saveProfile: (profile: MappingProfile) =>
    json<MappingProfile>("PUT", ws(`/profiles/${encodeURIComponent(profile.id)}`), profile),
  deleteProfile: (id: string) => json<void>("DELETE", ws(`/profiles/${encodeURIComponent(id)}`)),
  chooseProfile: (id: string) => json<ProfileList>("PUT", ws("/profiles/active"), { id }),

  settings: () => json<EngineSettings>("GET", ws("/settings")),
  updateSettings: (update: SettingsUpdate) => json<EngineSettings>("PUT", ws("/settings"), update),

  startSimulation: (start: StartSimulation) => json<SimulationStarted>("POST", ws("/simulations"), start),
  simulation: (id: string) => json<SimulationStatus>("GET", ws(`/simulations/${encodeURIComponent(id)}`)),

  /** Replay captured exchanges against another SCIM app (`202`; a `400` names a bad URL,
   *  token or time, or an empty selection; a `409` while another replay runs). The token is
   *  sent for this replay only: the engine keeps it nowhere. */
  startReplay: (start: StartReplay) => json<ReplayStarted>("POST", ws("/replays"), start),
  /** A replay's progress and every step so far; the summary once finished. */
  replay: (id: string) => json<ReplayStatus>("GET", ws(`/replays/${encodeURIComponent(id)}`)),

  /** The fault rules in order (first match wins) with their counters, and the presets. */
  faults: () => json<FaultList>("GET", ws("/faults")),
  /** Add a rule at the end of the list (a 400 names the field and the fix, and changes nothing). */
  addFault: (rule: FaultRule) => json<FaultRuleView>("POST", ws("/faults"), rule),
  /** Replace a rule in place; its counters start again. */
  replaceFault: (id: number, rule: FaultRule) => json<FaultRuleView>("PUT", ws(`/faults/${id}`), rule),
  /** Enable or disable a rule, keeping its counters. */
  toggleFault: (id: number, enabled: boolean) => json<FaultRuleView>("PATCH", ws(`/faults/${id}`), { enabled }),
  deleteFault: (id: number) => json<void>("DELETE", ws(`/faults/${id}`)),
  /** Delete every rule. */
  deleteAllFaults: () => json<void>("DELETE", ws("/faults")),

  reset: () => json<ResetResult>("DELETE", ws("/data")),
  /** Who is calling: a name (null for this launch's admin token), the role, how they proved it,
   *  and whether they can sign out (`404` from an engine older than team sign-in). */
  session: () => json<SessionInfo>("GET", "/api/session"),
  /** End this browser's sign-in session (`204`, the cookie cleared); the server's `/` then
   *  shows its sign-in page. */
  signOut: () => json<void>("POST", "/auth/sign-out"),
  /** Who holds a personal admin token (owners only; never the tokens). */
  adminUsers: () => json<AdminUserInfo[]>("GET", "/api/admin-users"),
  /** The admin API's audit log, newest first (owners only); `before` pages to older entries. */
  audit: (before: number | null = null) => json<AuditPage>("GET", `/api/audit${query({ before, limit: 50 })}`),

  /** Every workspace, `default` first, with its tenant URL, key (masked), counts and `apiBase`. */
  workspaces: () => json<WorkspaceInfo[]>("GET", "/api/workspaces"),
  workspace: (slug: string) => json<WorkspaceInfo>("GET", wsPath(slug)),
  /** `201` with the new workspace; `409` when its slug is taken, `400` for a bad name or template. */
  createWorkspace: (create: NewWorkspace) => json<WorkspaceInfo>("POST", "/api/workspaces", create),
  /** Rename (the slug, and so the tenant URL, stays). */
  renameWorkspace: (slug: string, name: string) => json<WorkspaceInfo>("PATCH", wsPath(slug), { name }),
  /** Erase a workspace for good; answers what was erased (`409` for `default`). */
  deleteWorkspace: (slug: string) => json<DeletedWorkspace>("DELETE", wsPath(slug)),
  /** The workspace as one `.scimlab` file (without its key), names, emails and ids replaced when `pseudonymise`. */
  exportWorkspace: async (slug: string, pseudonymise: boolean): Promise<WorkspaceFile> => {
    const resp = await request("GET", `${wsPath(slug)}/export${query({ pseudonymise: pseudonymise ? "true" : undefined })}`);
    const name = attachmentName(resp.headers.get("Content-Disposition")) ?? `${slug}${pseudonymise ? "-pseudonymised" : ""}.scimlab`;
    return { name, bytes: new Uint8Array(await resp.arrayBuffer()) };
  },
  /** A `.scimlab` file as a new workspace (with a new key); `400` names what is wrong with the file. */
  importWorkspace: async (file: Blob | ArrayBuffer | Uint8Array, name?: string) =>
    (await (await upload("POST", `/api/workspaces/import${query({ name })}`, file, "application/vnd.sqlite3")).json()) as WorkspaceInfo,
};
