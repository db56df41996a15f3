//! Typed calls to every admin API route (docs/admin-api.md). Views call these, never fetch.

import type {
  Checklist,
  EndpointInfo,
  EngineSettings,
  Exchange,
  ExchangePage,
  Health,
  Idp,
  MappingProfile,
  OperationKind,
  ProfileList,
  QuirkInfo,
  ResetResult,
  ResourceDetail,
  ResourcePage,
  RevealedKey,
  RoleSummary,
  RotatedKey,
  SettingsUpdate,
  SimulationStarted,
  SimulationStatus,
  StartSimulation,
} from "../generated";
import { json, query, request } from "./http";

/** The filters of `GET /api/exchanges` (all optional, all must hold). */
export interface ExchangeFilters {
  idp?: Idp | "";
  operation?: OperationKind | "";
  status?: "1xx" | "2xx" | "3xx" | "4xx" | "5xx" | "";
  method?: string;
  resource?: string;
  q?: string;
}

export const api = {
  health: () => json<Health>("GET", "/api/health"),
  endpoint: () => json<EndpointInfo>("GET", "/api/endpoint"),
  revealKey: () => json<RevealedKey>("POST", "/api/endpoint/reveal"),
  rotateKey: () => json<RotatedKey>("POST", "/api/endpoint/rotate"),

  exchanges: (filters: ExchangeFilters, before?: number | null, limit = 200) =>
    json<ExchangePage>("GET", `/api/exchanges${query({ ...filters, before: before ?? undefined, limit })}`),
  exchange: (id: number) => json<Exchange>("GET", `/api/exchanges/${id}`),
  /** The filtered exchanges as a HAR 1.2 document (already redacted), as text. */
  exportHar: async (filters: ExchangeFilters) =>
    (await request("GET", `/api/exchanges/export${query({ ...filters })}`)).text(),

  users: (startIndex = 1, count = 500) => json<ResourcePage>("GET", `/api/users${query({ startIndex, count })}`),
  user: (id: string) => json<ResourceDetail>("GET", `/api/users/${encodeURIComponent(id)}`),
  groups: (startIndex = 1, count = 500) => json<ResourcePage>("GET", `/api/groups${query({ startIndex, count })}`),
  group: (id: string) => json<ResourceDetail>("GET", `/api/groups/${encodeURIComponent(id)}`),

  /** Every quirk label with its plain-words explanation. */
  quirks: () => json<QuirkInfo[]>("GET", "/api/quirks"),

  roles: () => json<RoleSummary>("GET", "/api/roles"),
  checklist: (idp: "entra" | "okta") => json<Checklist>("GET", `/api/checklist${query({ idp })}`),
  /** The checklist as a Markdown report, as text. */
  checklistReport: async (idp: "entra" | "okta") =>
    (await request("GET", `/api/checklist/report${query({ idp })}`)).text(),

  profiles: () => json<ProfileList>("GET", "/api/profiles"),
  saveProfile: (profile: MappingProfile) =>
    json<MappingProfile>("PUT", `/api/profiles/${encodeURIComponent(profile.id)}`, profile),
  deleteProfile: (id: string) => json<void>("DELETE", `/api/profiles/${encodeURIComponent(id)}`),
  chooseProfile: (id: string) => json<ProfileList>("PUT", "/api/profiles/active", { id }),

  settings: () => json<EngineSettings>("GET", "/api/settings"),
  updateSettings: (update: SettingsUpdate) => json<EngineSettings>("PUT", "/api/settings", update),

  startSimulation: (start: StartSimulation) => json<SimulationStarted>("POST", "/api/simulations", start),
  simulation: (id: string) => json<SimulationStatus>("GET", `/api/simulations/${encodeURIComponent(id)}`),

  reset: () => json<ResetResult>("DELETE", "/api/data"),
};
