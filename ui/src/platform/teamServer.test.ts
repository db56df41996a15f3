//! The team server check the desktop app makes before connecting (`GET <address>/api/session`
//! with the personal token, from the webview): the address as typed made plain, who the server
//! takes the token for, and what went wrong in words that say what to check.
import { afterEach, describe, expect, test, vi } from "vitest";
import { ApiError } from "./http";
import { checkTeamServer, teamServerAddress } from "./teamServer";

const ADDRESS = "https://scimlab.example.com:8788";
const OTTO = { name: "otto", role: "operator", via: "personalToken", canSignOut: false };

/** The ApiError a check fails with (the test fails if it succeeds). */
async function failure(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    return e as ApiError;
  }
  throw new Error("the check should have failed");
}

const answer = (body: string | null, status: number, statusText = "") => {
  const f = vi.fn(async (_url: string, _init?: RequestInit) => new Response(body, { status, statusText }));
  vi.stubGlobal("fetch", f);
  return f;
};

afterEach(() => vi.unstubAllGlobals());

describe("the address as typed", () => {
  test("loses the spaces around it and the slashes after it", () => {
    expect(teamServerAddress("  https://scimlab.example.com:8788/ ")).toBe(ADDRESS);
    expect(teamServerAddress("https://scimlab.example.com:8788//")).toBe(ADDRESS);
    expect(teamServerAddress(ADDRESS)).toBe(ADDRESS);
    expect(teamServerAddress("   ")).toBe("");
  });
});

describe("checkTeamServer", () => {
  test("asks the server's /api/session with the token as Bearer, and answers who it takes it for", async () => {
    const f = answer(JSON.stringify(OTTO), 200);
    await expect(checkTeamServer(ADDRESS, "slp_abc")).resolves.toEqual(OTTO);
    expect(f).toHaveBeenCalledTimes(1);
    const [url, init] = f.mock.calls[0];
    expect(url).toBe(`${ADDRESS}/api/session`);
    expect((init?.headers as Record<string, string>).Authorization).toBe("Bearer slp_abc");
  });

  test("a refused token (401, 403) is the server's own message", async () => {
    answer('{"error":"the personal token slp_abc… was revoked: ask an owner for a new one"}', 401);
    const e401 = await failure(checkTeamServer(ADDRESS, "slp_abc"));
    expect(e401.status).toBe(401);
    expect(e401.message).toBe("the personal token slp_abc… was revoked: ask an owner for a new one");

    answer('{"error":"viewers may not do that"}', 403);
    expect((await failure(checkTeamServer(ADDRESS, "slp_abc"))).message).toBe("viewers may not do that");

    answer("<html>no</html>", 401);
    expect((await failure(checkTeamServer(ADDRESS, "slp_abc"))).message).toBe(`${ADDRESS} refused the token (401)`);
  });

  test("a server that cannot be reached is named, with what to check", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => Promise.reject(new TypeError("Failed to fetch"))));
    const e = await failure(checkTeamServer(ADDRESS, "slp_abc"));
    expect(e.status).toBe(0);
    expect(e.message).toBe(
      `could not reach ${ADDRESS}: is the address right, is the server running with --admin-addr reachable from here, and is its certificate trusted by this computer?`,
    );
  });

  test("an address that is not a ScimLab admin listener, or one too old, says so", async () => {
    answer("<html>welcome</html>", 200);
    expect((await failure(checkTeamServer(ADDRESS, "slp_abc"))).message).toMatch(/answered, but not as a ScimLab server/);
    answer('{"error":"no such route"}', 404);
    const e404 = await failure(checkTeamServer(ADDRESS, "slp_abc"));
    expect(e404.status).toBe(404);
    expect(e404.message).toMatch(/has no \/api\/session: give the admin address of a ScimLab server recent enough for team sign-in/);
  });

  test("other failures carry the status and the server's message when it has one", async () => {
    answer('{"error":"database error: pool timed out"}', 503);
    expect((await failure(checkTeamServer(ADDRESS, "slp_abc"))).message).toBe(`${ADDRESS} answered 503: database error: pool timed out`);
    answer("oops", 500, "Internal Server Error");
    expect((await failure(checkTeamServer(ADDRESS, "slp_abc"))).message).toBe(`${ADDRESS} answered 500 Internal Server Error`);
  });
});
