//! Who is calling and signing out: `GET /api/session` and `POST /auth/sign-out` are the engine's
//! own routes (never under a workspace), sign-out expects `204`, and a 401 while the desktop app
//! shows a team server says to connect again rather than to reopen a launch URL.
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "./api";
import { ApiError, json, setConnection, teamServer } from "./http";
import { DEFAULT_WORKSPACE, setWorkspace } from "./workspace";

const OWNER = { name: "alice@example.com", role: "owner", via: "signIn", canSignOut: true };

beforeEach(() => {
  localStorage.clear();
  // a workspace is chosen: these routes must not go under it
  setWorkspace({ slug: "contoso-entra", apiBase: "/api/workspaces/contoso-entra" });
});
afterEach(() => {
  vi.unstubAllGlobals();
  setWorkspace({ slug: DEFAULT_WORKSPACE, apiBase: "/api" });
  setConnection({ adminUrl: "", token: null, teamServer: null });
});

test("session() asks GET /api/session and answers who is calling", async () => {
  const f = vi.fn(async (_url: string, _init?: RequestInit) => new Response(JSON.stringify(OWNER), { status: 200 }));
  vi.stubGlobal("fetch", f);
  await expect(api.session()).resolves.toEqual(OWNER);
  expect(f.mock.calls[0][0]).toBe("/api/session");
  expect(f.mock.calls[0][1]?.method).toBe("GET");
});

test("session() fails with the status of an engine older than team sign-in (404)", async () => {
  vi.stubGlobal("fetch", vi.fn(async () => new Response('{"error":"no such route"}', { status: 404 })));
  const e = await api.session().catch((x: unknown) => x);
  expect(e).toBeInstanceOf(ApiError);
  expect((e as ApiError).status).toBe(404);
});

test("signOut() posts to /auth/sign-out and resolves on 204", async () => {
  const f = vi.fn(async (_url: string, _init?: RequestInit) => new Response(null, { status: 204 }));
  vi.stubGlobal("fetch", f);
  await expect(api.signOut()).resolves.toBeUndefined();
  expect(f).toHaveBeenCalledTimes(1);
  expect(f.mock.calls[0][0]).toBe("/auth/sign-out");
  expect(f.mock.calls[0][1]?.method).toBe("POST");
});

test("signOut() fails with the server's message", async () => {
  vi.stubGlobal("fetch", vi.fn(async () => new Response('{"error":"could not end the session (pool timed out); retry in a moment"}', { status: 503 })));
  await expect(api.signOut()).rejects.toThrow("could not end the session (pool timed out); retry in a moment");
});

test("teamServer() is the connection's team server; a 401 from one says to connect again", async () => {
  expect(teamServer()).toBeNull();
  setConnection({ adminUrl: "https://team.example.com:8788", token: "slp_x", teamServer: "https://team.example.com:8788" });
  expect(teamServer()).toBe("https://team.example.com:8788");
  vi.stubGlobal("fetch", vi.fn(async () => new Response('{"error":"this personal token was revoked"}', { status: 401 })));
  const e = (await json("GET", "/api/health").catch((x: unknown) => x)) as ApiError;
  expect(e.message).toBe(
    "this personal token was revoked (the team server no longer takes this app's token: connect again in Settings → Team server)",
  );
  expect(e.message).not.toContain("scimlab serve");
});

test("a 401 of a team server's ended sign-in (in its browser) says to sign in again, not to reopen a printed URL", async () => {
  setConnection({ adminUrl: "", token: null, teamServer: null });
  vi.stubGlobal(
    "fetch",
    vi.fn(async () => new Response('{"error":"your sign-in has ended (signed out, or expired): sign in again"}', { status: 401 })),
  );
  const e = (await json("GET", "/api/health").catch((x: unknown) => x)) as ApiError;
  expect(e.message).toBe("your sign-in has ended (signed out, or expired): sign in again");
});
