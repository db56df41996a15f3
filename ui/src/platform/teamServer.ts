//! Checking a team server before the desktop app connects to it: `GET <address>/api/session`
//! with the personal token, straight from the webview — so the address, the certificate and
//! the token are proved from where the app will use them — and what went wrong, in words that
//! say what to check; and signing in with the team's identity provider instead of a token
//! (`signInTeamServer`: the PKCE half the app holds). Connecting itself is the host's
//! (`host.connectTeamServer`).

import type { AppToken, LoopbackSignIn, SessionInfo } from "../generated";
import { ApiError } from "./http";

/** The address as typed, without spaces around it or slashes after it. */
export function teamServerAddress(input: string): string {
  return input.trim().replace(/\/+$/, "");
}

/** The `error` of a JSON error body, or null. */
async function errorOf(resp: Response): Promise<string | null> {
  try {
    const body = (await resp.json()) as { error?: unknown } | null;
    return typeof body?.error === "string" ? body.error : null;
  } catch {
    return null;
  }
}

/** Who the team server at `url` takes `token` for; an `ApiError` saying what is wrong
 *  otherwise (status 0 when the server could not be reached at all). */
export async function checkTeamServer(url: string, token: string): Promise<SessionInfo> {
  let resp: Response;
  try {
    resp = await fetch(`${url}/api/session`, { headers: { Authorization: `Bearer ${token}` } });
  } catch {
    throw new ApiError(
      `could not reach ${url}: is the address right, is the server running with --admin-addr reachable from here, and is its certificate trusted by this computer?`,
      0,
    );
  }
  if (resp.ok) {
    const body = (await resp.json().catch(() => null)) as Partial<SessionInfo> | null;
    if (typeof body?.role === "string") return body as SessionInfo;
    throw new ApiError(`${url} answered, but not as a ScimLab server: give the address of its admin listener (--admin-addr)`, resp.status);
  }
  const error = await errorOf(resp);
  if (resp.status === 401 || resp.status === 403) {
    throw new ApiError(error ?? `${url} refused the token (${resp.status})`, resp.status);
  }
  if (resp.status === 404) {
    throw new ApiError(`${url} has no /api/session: give the admin address of a ScimLab server recent enough for team sign-in`, 404);
  }
  throw new ApiError(error ? `${url} answered ${resp.status}: ${error}` : `${url} answered ${resp.status} ${resp.statusText}`.trim(), resp.status);
}

/** base64url without padding. */
function base64url(bytes: Uint8Array): string {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** A random PKCE verifier (256 bits) and its S256 challenge (RFC 7636). */
export async function pkcePair(): Promise<{ verifier: string; challenge: string }> {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return { verifier, challenge: base64url(new Uint8Array(digest)) };
}

/** Sign the app in to the team server at `url` with the team's identity provider: the host
 *  opens the system browser and brings back a one-time code (`signIn`), which is traded here,
 *  with the verifier only this page holds, for a session token of the app's own. */
export async function signInTeamServer(
  url: string,
  signIn: (server: string, codeChallenge: string, state: string) => Promise<LoopbackSignIn>,
): Promise<AppToken> {
  const { verifier, challenge } = await pkcePair();
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  const back = await signIn(url, challenge, state);
  let resp: Response;
  try {
    resp = await fetch(`${url}/auth/app-token`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ code: back.code, codeVerifier: verifier, redirectUri: back.redirectUri }),
    });
  } catch {
    throw new ApiError(`could not reach ${url} to finish the sign-in: is the server still running?`, 0);
  }
  if (!resp.ok) {
    throw new ApiError((await errorOf(resp)) ?? `${url} refused the sign-in (${resp.status})`, resp.status);
  }
  return (await resp.json()) as AppToken;
}
