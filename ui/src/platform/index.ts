//! The UI's only door to the outside: the admin API (`api`) of the current workspace
//! (`setWorkspace`), its live event stream (`subscribe`), the host (`host`: desktop shell or
//! browser), the team server the desktop app is connected to if any (`teamServer`) and the
//! check of one before connecting, and leaving the page (`reloadApp`, `goTo`). Nothing outside
//! this folder knows the admin URL, the token, or that Tauri exists.

export { api, attachmentName, type ExchangeFilters, type ReportFormat, type WorkspaceFile } from "./api";
export { ApiError, setConnection, teamServer } from "./http";
export { checkTeamServer, signInTeamServer, teamServerAddress } from "./teamServer";
export { goTo, reloadApp } from "./page";
export { subscribe, parseSse, type StreamState, type TaggedEvent } from "./sse";
export {
  apiBaseOf,
  currentWorkspace,
  DEFAULT_WORKSPACE,
  setWorkspace,
  slugOf,
  storedWorkspace,
  tenantUrlFor,
  WORKSPACE_KEY,
  type WorkspaceRef,
} from "./workspace";
export { host, isTauri, type Connection, type ConnectionState, type ListenSettings, type StartupProblem } from "./host";
