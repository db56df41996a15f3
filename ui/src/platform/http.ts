//! Requests to the admin API: base URL and Bearer token from the host's connection, JSON in and
//! out, and errors turned into `ApiError` carrying the server's own message (which names the
//! problem and the fix), so toasts can show it as is.

import type { Connection } from "./host";

/** An admin API failure with the message to show. */
export class ApiError extends Error {
  constructor(
    message: string,
    /** HTTP status; 0 when the engine could not be reached. */
    readonly status: number,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

let current: Connection = { adminUrl: "", token: null, teamServer: null };

/** Use this connection for every following request. */
export function setConnection(connection: Connection): void {
  current = connection;
}

/** The connection in use. */
export function connection(): Connection {
  return current;
}

/** The team server's address when the desktop app is connected to one instead of its own
 *  engine; null otherwise (and always in the browser). */
export function teamServer(): string | null {
  return current.teamServer ?? null;
}

/** Headers for an admin request (the Bearer token on desktop). */
export function authHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return current.token ? { ...extra, Authorization: `Bearer ${current.token}` } : extra;
}

/** A query string from defined, non-empty values. */
export function query(params: Record<string, string | number | boolean | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}

async function errorFrom(resp: Response): Promise<ApiError> {
  let message = `the engine answered ${resp.status} ${resp.statusText}`.trim();
  try {
    const body = (await resp.json()) as { error?: unknown };
    if (typeof body.error === "string") message = body.error;
  } catch {
    // not JSON: keep the status line
  }
  if (resp.status === 401) {
    if (current.teamServer) {
      message = `${message} (the team server no longer takes this app's token: connect again in Settings → Team server)`;
    } else if (!message.includes("sign in again")) {
      // A team server's own sign-in says so itself; the launch token's login is the printed URL.
      message = `${message} (the admin session expired: reopen the URL scimlab serve printed)`;
    }
  }
  return new ApiError(message, resp.status);
}

/** Send a request; resolve to the raw response when it is 2xx. */
export async function request(method: string, path: string, body?: unknown): Promise<Response> {
  return send(method, path, body === undefined ? undefined : { data: JSON.stringify(body), type: "application/json" });
}

/** Send `bytes` as the body (a file upload); resolve to the raw response when it is 2xx. */
export async function upload(method: string, path: string, bytes: Blob | ArrayBuffer | Uint8Array, type = "application/octet-stream"): Promise<Response> {
  return send(method, path, { data: bytes instanceof Uint8Array ? new Blob([bytes as Uint8Array<ArrayBuffer>]) : bytes, type });
}

/** GET `path` and parse its JSON, also when the status is one of `also` (a health check's
 *  `503 degraded` carries what is wrong in its body). */
export async function jsonAlso<T>(path: string, also: number[]): Promise<T> {
  const resp = await send("GET", path, undefined, also);
  return (await resp.json()) as T;
}

async function send(method: string, path: string, body?: { data: BodyInit; type: string }, also: number[] = []): Promise<Response> {
  const headers = authHeaders(body === undefined ? {} : { "Content-Type": body.type });
  let resp: Response;
  try {
    resp = await fetch(`${current.adminUrl}${path}`, {
      method,
      headers,
      body: body?.data,
      credentials: "same-origin",
    });
  } catch (e) {
    throw new ApiError(`cannot reach the scimlab engine at ${current.adminUrl || window.location.origin}: ${String(e)}`, 0);
  }
  if (!resp.ok && !also.includes(resp.status)) throw await errorFrom(resp);
  return resp;
}

/** GET/POST/PUT/DELETE and parse JSON (undefined for 204). */
export async function json<T>(method: string, path: string, body?: unknown): Promise<T> {
  const resp = await request(method, path, body);
  if (resp.status === 204) return undefined as T;
  return (await resp.json()) as T;
}
