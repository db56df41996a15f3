//! Admin requests: query strings, the Bearer token on desktop, and errors that carry the
//! engine's own message (what toasts show).
import { afterEach, vi } from "vitest";
import { ApiError, json, query, setConnection } from "./http";

/** The ApiError a request fails with (the test fails if it succeeds). */
async function failure(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    return e as ApiError;
  }
  throw new Error("the request should have failed");
}

afterEach(() => {
  vi.unstubAllGlobals();
  setConnection({ adminUrl: "", token: null, teamServer: null });
});

test("query strings keep only values that are set", () => {
  expect(query({ idp: "okta", status: "", q: undefined, before: null, limit: 50 })).toBe("?idp=okta&limit=50");
  expect(query({ a: "" })).toBe("");
  expect(query({ q: "a b&c" })).toBe("?q=a+b%26c");
});

test("desktop requests go to the admin url with the bearer token", async () => {
  const fetchMock = vi.fn(async () => new Response('{"status":"ok"}', { status: 200 }));
  vi.stubGlobal("fetch", fetchMock);
  setConnection({ adminUrl: "http://127.0.0.1:4242", token: "tok-123", teamServer: null });
  await expect(json("GET", "/api/health")).resolves.toEqual({ status: "ok" });
  const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
  expect(url).toBe("http://127.0.0.1:4242/api/health");
  expect((init.headers as Record<string, string>).Authorization).toBe("Bearer tok-123");
});

test("browser requests are same-origin and carry no token", async () => {
  const fetchMock = vi.fn(async () => new Response(null, { status: 204 }));
  vi.stubGlobal("fetch", fetchMock);
  await expect(json("DELETE", "/api/profiles/x")).resolves.toBeUndefined();
  const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
  expect(url).toBe("/api/profiles/x");
  expect((init.headers as Record<string, string>).Authorization).toBeUndefined();
});

test("errors carry the engine's message, a 401 says how to log in again", async () => {
  vi.stubGlobal("fetch", vi.fn(async () => new Response('{"error":"invalid retention 0: keep from 1 to 10000000 exchanges"}', { status: 400 })));
  const e = await failure(json("PUT", "/api/settings", { retention: 0 }));
  expect(e).toBeInstanceOf(ApiError);
  expect(e.status).toBe(400);
  expect(e.message).toBe("invalid retention 0: keep from 1 to 10000000 exchanges");

  vi.stubGlobal("fetch", vi.fn(async () => new Response('{"error":"missing admin token"}', { status: 401 })));
  const e401 = await failure(json("GET", "/api/health"));
  expect(e401.message).toMatch(/missing admin token.*session expired/);

  vi.stubGlobal("fetch", vi.fn(async () => new Response("<html>bad gateway</html>", { status: 502, statusText: "Bad Gateway" })));
  const e502 = await failure(json("GET", "/api/health"));
  expect(e502.message).toBe("the engine answered 502 Bad Gateway");
});

test("an engine that cannot be reached is named", async () => {
  vi.stubGlobal("fetch", vi.fn(async () => Promise.reject(new TypeError("Failed to fetch"))));
  setConnection({ adminUrl: "http://127.0.0.1:4242", token: "t", teamServer: null });
  const e = await failure(json("GET", "/api/health"));
  expect(e.status).toBe(0);
  expect(e.message).toMatch(/cannot reach the scimlab engine at http:\/\/127\.0\.0\.1:4242/);
});
