//! The workspace-aware API client: every workspace route under the current workspace's apiBase
//! (the engine's own routes not), the event stream per workspace, the choice remembered and
//! read back, the slug and tenant URL the engine will give a name, export and import.
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api, attachmentName } from "./api";
import { setConnection } from "./http";
import { subscribe, type TaggedEvent } from "./sse";
import { apiBaseOf, currentWorkspace, DEFAULT_WORKSPACE, setWorkspace, slugOf, storedWorkspace, tenantUrlFor, WORKSPACE_KEY } from "./workspace";

const CONTOSO = { slug: "contoso-entra", apiBase: "/api/workspaces/contoso-entra" };

/** A fetch that answers `body` as JSON and records the urls asked. */
function fetchOk(body: unknown = {}) {
  const f = vi.fn(async (_url: string, _init?: RequestInit) => new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } }));
  vi.stubGlobal("fetch", f);
  return f;
}
const urls = (f: ReturnType<typeof fetchOk>) => f.mock.calls.map((c) => c[0]);

/** A Blob's bytes (jsdom's Blob has no arrayBuffer()). */
function bytesOf(blob: Blob): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(new Uint8Array(r.result as ArrayBuffer));
    r.onerror = () => reject(r.error);
    r.readAsArrayBuffer(blob);
  });
}

beforeEach(() => {
  localStorage.clear();
  setWorkspace({ slug: DEFAULT_WORKSPACE, apiBase: "/api" });
});
afterEach(() => {
  vi.unstubAllGlobals();
  setConnection({ adminUrl: "", token: null, teamServer: null });
});

describe("routes go to the current workspace", () => {
  test("default's routes are /api/…", async () => {
    const f = fetchOk({ items: [] });
    await api.exchanges({ idp: "okta" }, null, 50);
    await api.endpoint();
    await api.reset();
    expect(urls(f)).toEqual(["/api/exchanges?idp=okta&limit=50", "/api/endpoint", "/api/data"]);
  });

  test("another workspace's routes are under its apiBase; health, quirks and the directory are not", async () => {
    setWorkspace(CONTOSO);
    const f = fetchOk([]);
    await api.exchanges({}, 812, 10);
    await api.user("a b");
    await api.revealKey();
    await api.faults();
    await api.settings();
    await api.health();
    await api.quirks();
    await api.workspaces();
    expect(urls(f)).toEqual([
      "/api/workspaces/contoso-entra/exchanges?before=812&limit=10",
      "/api/workspaces/contoso-entra/users/a%20b",
      "/api/workspaces/contoso-entra/endpoint/reveal",
      "/api/workspaces/contoso-entra/faults",
      "/api/workspaces/contoso-entra/settings",
      "/api/health",
      "/api/quirks",
      "/api/workspaces",
    ]);
  });

  test("desktop: the admin url and token are kept, the prefix follows the workspace", async () => {
    setConnection({ adminUrl: "http://127.0.0.1:4242", token: "tok", teamServer: null });
    setWorkspace(CONTOSO);
    const f = fetchOk();
    await api.timeline();
    const [url, init] = f.mock.calls[0];
    expect(url).toBe("http://127.0.0.1:4242/api/workspaces/contoso-entra/timeline");
    expect((init?.headers as Record<string, string>).Authorization).toBe("Bearer tok");
  });

  test("the directory: create, rename, delete", async () => {
    const f = fetchOk({ slug: "x" });
    await api.createWorkspace({ name: "Contoso Entra", template: "entra-guide" });
    await api.renameWorkspace("contoso-entra", "Contoso");
    await api.deleteWorkspace("contoso-entra");
    expect(f.mock.calls.map(([u, i]) => `${i?.method} ${u} ${i?.body ?? ""}`)).toEqual([
      'POST /api/workspaces {"name":"Contoso Entra","template":"entra-guide"}',
      'PATCH /api/workspaces/contoso-entra {"name":"Contoso"}',
      "DELETE /api/workspaces/contoso-entra ",
    ]);
  });
});

describe("export and import", () => {
  test("export asks pseudonymised or not and keeps the engine's file name and the bytes", async () => {
    const bytes = new Uint8Array([0x53, 0x51, 0x4c, 0xff, 0x00, 0x80]);
    const f = vi.fn(
      async () => new Response(bytes, { status: 200, headers: { "Content-Disposition": 'attachment; filename="contoso-entra-pseudonymised.scimlab"' } }),
    );
    vi.stubGlobal("fetch", f);
    const file = await api.exportWorkspace("contoso-entra", true);
    expect(f.mock.calls[0]).toEqual(expect.arrayContaining(["/api/workspaces/contoso-entra/export?pseudonymise=true"]));
    expect(file.name).toBe("contoso-entra-pseudonymised.scimlab");
    expect([...file.bytes]).toEqual([...bytes]);
    await api.exportWorkspace("default", false);
    expect((f.mock.calls[1] as unknown[])[0]).toBe("/api/workspaces/default/export");
  });

  test("the attachment's name is read safely", () => {
    expect(attachmentName('attachment; filename="a.scimlab"')).toBe("a.scimlab");
    expect(attachmentName("attachment; filename=../../etc.scimlab")).toBe(".._.._etc.scimlab");
    expect(attachmentName(null)).toBeNull();
  });

  test("import posts the file's bytes as they are, with the name when given; a 400 carries the engine's words", async () => {
    const f = fetchOk({ slug: "acme", apiBase: "/api/workspaces/acme" });
    const file = new Blob([new Uint8Array([1, 2, 255])]);
    await api.importWorkspace(file, "Acme Okta");
    const [url, init] = f.mock.calls[0];
    expect(url).toBe("/api/workspaces/import?name=Acme+Okta");
    expect(init?.method).toBe("POST");
    expect(init?.body).toBeInstanceOf(Blob);
    expect([...(await bytesOf(init?.body as Blob))]).toEqual([1, 2, 255]);
    expect((init?.headers as Record<string, string>)["Content-Type"]).toBe("application/vnd.sqlite3");

    vi.stubGlobal("fetch", vi.fn(async () => new Response('{"error":"the file is not a ScimLab export"}', { status: 400 })));
    await expect(api.importWorkspace(file)).rejects.toThrow("the file is not a ScimLab export");
  });
});

describe("the event stream is the workspace's", () => {
  /** A fetch answering one event on a stream that then stays open until aborted. */
  function streamFetch(event: object) {
    return vi.fn(async (_url: string, init?: RequestInit) => {
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(new TextEncoder().encode(`: connected\n\nevent: x\ndata: ${JSON.stringify(event)}\n\n`));
          init?.signal?.addEventListener("abort", () => c.error(new DOMException("aborted", "AbortError")));
        },
      });
      return new Response(body, { status: 200 });
    });
  }

  test("subscribing reads the current workspace's /events, and again after a switch", async () => {
    const f = streamFetch({ type: "workspace.activity", exchanges: 3, workspace: "acme" });
    vi.stubGlobal("fetch", f);
    const got: TaggedEvent[] = [];
    const stop = subscribe((e) => got.push(e), () => {});
    await vi.waitFor(() => expect(got).toHaveLength(1));
    stop();
    expect(f.mock.calls[0][0]).toBe("/api/events");
    expect(got[0]).toEqual({ type: "workspace.activity", exchanges: 3, workspace: "acme" });

    setWorkspace(CONTOSO);
    const stop2 = subscribe((e) => got.push(e), () => {});
    await vi.waitFor(() => expect(got).toHaveLength(2));
    stop2();
    expect(f.mock.calls[1][0]).toBe("/api/workspaces/contoso-entra/events");
  });
});

describe("the remembered choice", () => {
  test("a switch is remembered; default is remembered as nothing", () => {
    setWorkspace(CONTOSO);
    expect(localStorage.getItem(WORKSPACE_KEY)).toBe("contoso-entra");
    expect(storedWorkspace()).toBe("contoso-entra");
    expect(currentWorkspace()).toEqual(CONTOSO);
    setWorkspace({ slug: DEFAULT_WORKSPACE, apiBase: "/api" });
    expect(localStorage.getItem(WORKSPACE_KEY)).toBeNull();
    expect(storedWorkspace()).toBe("default");
  });

  test("a stored value that is no slug counts as default", () => {
    localStorage.setItem(WORKSPACE_KEY, "../../etc");
    expect(storedWorkspace()).toBe("default");
    localStorage.setItem(WORKSPACE_KEY, "Acme");
    expect(storedWorkspace()).toBe("default");
  });

  test("a fresh page starts on the remembered workspace", async () => {
    localStorage.setItem(WORKSPACE_KEY, "acme-okta");
    vi.resetModules();
    const fresh = await import("./workspace");
    expect(fresh.currentWorkspace()).toEqual({ slug: "acme-okta", apiBase: "/api/workspaces/acme-okta" });
  });

  test("apiBaseOf", () => {
    expect(apiBaseOf("default")).toBe("/api");
    expect(apiBaseOf("acme")).toBe("/api/workspaces/acme");
  });
});

describe("names to slugs and tenant URLs, as the engine makes them", () => {
  test.each([
    ["Contoso Entra", "contoso-entra"],
    ["  Fabrikam  Okta (staging) ", "fabrikam-okta-staging"],
    ["Ünïcode & Co!!", "n-code-co"],
    ["---", ""],
    ["x".repeat(45), "x".repeat(40)],
    [`${"a".repeat(39)} b`, "a".repeat(39)],
  ])("%j → %j", (name, slug) => {
    expect(slugOf(name)).toBe(slug);
  });

  test("tenant URLs on the engine's origin", () => {
    expect(tenantUrlFor("contoso-entra", "http://127.0.0.1:8787/scim/v2")).toBe("http://127.0.0.1:8787/w/contoso-entra/scim/v2");
    expect(tenantUrlFor("default", "http://127.0.0.1:8787/w/x/scim/v2")).toBe("http://127.0.0.1:8787/scim/v2");
  });
});
