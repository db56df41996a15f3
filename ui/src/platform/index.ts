//! The UI's only door to the outside: the admin API (`api`), the live event stream
//! (`subscribe`), and the host (`host`: desktop shell or browser). Nothing outside this folder
//! knows the admin URL, the token, or that Tauri exists.

export { api, type ExchangeFilters, type ReportFormat } from "./api";
export { ApiError, setConnection } from "./http";
export { subscribe, parseSse, type StreamState } from "./sse";
export { host, isTauri, type Connection, type ConnectionState, type ListenSettings, type StartupProblem } from "./host";
