//! Typed calls to every admin API route (docs/admin-api.md). Views call these, never fetch.

import type {
  ChecklistReply,
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
} from "../generated";
import { json, query, request } from "./http";

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
  /** Text found in any attribute (userName, names, emails…), or the exact SCIM id. */
  q?: string;
  idp?: Idp | "";
  active?: boolean;
  sort?: "created" | "userName" | "displayName" | "lastModified";
  order?: "ascending" | "descending";
}

export const api = {
  health: () => json<Health>("GET", "/api/health"),
  endpoint: () => json<EndpointInfo>("GET", "/api/endpoint"),
  revealKey: () => json<RevealedKey>("POST", "/api/endpoint/reveal"),
  rotateKey: () => json<RotatedKey>("POST", "/api/endpoint/rotate"),
  /** Make the SCIM port public: a cloudflared quick tunnel (`starting`; `running` follows as
   *  a `tunnel.changed` event), an ngrok tunnel already running (`external`), or how to install
   *  either (`unavailable`). 409 while one is starting or running. */
  startTunnel: () => json<TunnelState>("POST", "/api/endpoint/tunnel"),
  /** Stop the cloudflared ScimLab runs (gone when this answers); 409 for ngrok's. */
  stopTunnel: () => json<TunnelState>("DELETE", "/api/endpoint/tunnel"),

  exchanges: (filters: ExchangeFilters, before?: number | null, limit = 200) =>
    json<ExchangePage>("GET", `/api/exchanges${query({ ...filters, before: before ?? undefined, limit })}`),
  /** One exchange, whole, with `diagnosis` (why it failed and the fix) when it failed. */
  exchange: (id: number) => json<ExchangeDetail>("GET", `/api/exchanges/${id}`),
  /** Requests per time bucket by outcome, and the IdPs' detected cycles. */
  timeline: () => json<Timeline>("GET", "/api/timeline"),
  /** The filtered exchanges as a HAR 1.2 document (already redacted), as text. */
  exportHar: async (filters: ExchangeFilters) =>
    (await request("GET", `/api/exchanges/export${query({ ...filters })}`)).text(),

  /** One page of users, searched, filtered and sorted by the engine; `totalResults` is the
   *  number matching, `idps` the IdP that created each. */
  users: (startIndex = 1, count = 500, search: UserQuery = {}) =>
    json<ResourcePage>(
      "GET",
      `/api/users${query({ startIndex, count, ...search, active: search.active === undefined ? undefined : String(search.active) })}`,
    ),
  user: (id: string) => json<ResourceDetail>("GET", `/api/users/${encodeURIComponent(id)}`),
  groups: (startIndex = 1, count = 500) => json<ResourcePage>("GET", `/api/groups${query({ startIndex, count })}`),
  group: (id: string) => json<ResourceDetail>("GET", `/api/groups/${encodeURIComponent(id)}`),

  /** Every quirk label with its plain-words explanation. */
  quirks: () => json<QuirkInfo[]>("GET", "/api/quirks"),

  roles: () => json<RoleSummaryReply>("GET", "/api/roles"),
  checklist: (idp: "entra" | "okta") => json<ChecklistReply>("GET", `/api/checklist${query({ idp })}`),
  /** The report, as text: `md` the checklist in Markdown, `html` the whole hand-over report
   *  (checklist, roles, users' mappings, failing requests) as one self-contained HTML file. */
  checklistReport: async (idp: "entra" | "okta", format: ReportFormat = "md") =>
    (await request("GET", `/api/checklist/report${query({ idp, format })}`)).text(),

  profiles: () => json<ProfileList>("GET", "/api/profiles"),
  /** Whether each source path parses (the editor checks as the admin types). */
  checkPaths: (sources: string[]) => json<PathCheck[]>("POST", "/api/profiles/check", { sources }),
  /** The attribute paths stored users carry, most common first (suggestions for the editor). */
  seenAttributes: () => json<SeenAttributes>("GET", "/api/attributes"),
  saveProfile: (profile: MappingProfile) =>
    json<MappingProfile>("PUT", `/api/profiles/${encodeURIComponent(profile.id)}`, profile),
  deleteProfile: (id: string) => json<void>("DELETE", `/api/profiles/${encodeURIComponent(id)}`),
  chooseProfile: (id: string) => json<ProfileList>("PUT", "/api/profiles/active", { id }),

  settings: () => json<EngineSettings>("GET", "/api/settings"),
  updateSettings: (update: SettingsUpdate) => json<EngineSettings>("PUT", "/api/settings", update),

  startSimulation: (start: StartSimulation) => json<SimulationStarted>("POST", "/api/simulations", start),
  simulation: (id: string) => json<SimulationStatus>("GET", `/api/simulations/${encodeURIComponent(id)}`),

  /** Replay captured exchanges against another SCIM app (`202`; a `400` names a bad URL,
   *  token or time, or an empty selection; a `409` while another replay runs). The token is
   *  sent for this replay only: the engine keeps it nowhere. */
  startReplay: (start: StartReplay) => json<ReplayStarted>("POST", "/api/replays", start),
  /** A replay's progress and every step so far; the summary once finished. */
  replay: (id: string) => json<ReplayStatus>("GET", `/api/replays/${encodeURIComponent(id)}`),

  /** The fault rules in order (first match wins) with their counters, and the presets. */
  faults: () => json<FaultList>("GET", "/api/faults"),
  /** Add a rule at the end of the list (a 400 names the field and the fix, and changes nothing). */
  addFault: (rule: FaultRule) => json<FaultRuleView>("POST", "/api/faults", rule),
  /** Replace a rule in place; its counters start again. */
  replaceFault: (id: number, rule: FaultRule) => json<FaultRuleView>("PUT", `/api/faults/${id}`, rule),
  /** Enable or disable a rule, keeping its counters. */
  toggleFault: (id: number, enabled: boolean) => json<FaultRuleView>("PATCH", `/api/faults/${id}`, { enabled }),
  deleteFault: (id: number) => json<void>("DELETE", `/api/faults/${id}`),
  /** Delete every rule. */
  deleteAllFaults: () => json<void>("DELETE", "/api/faults"),

  reset: () => json<ResetResult>("DELETE", "/api/data"),
};
