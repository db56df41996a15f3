import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { api } from "../platform";
import type { AuthSummary, Diagnosis, ExchangeSummary } from "../generated";
import { emit, renderWithEngine, settle, summary } from "./testHarness";
import { ConnectView } from "./Connect";
import { needsTunnel, portOf, tunnelTenantUrl } from "./connect/tenantUrl";
import { basePathOf, forWorkspace } from "./connect/TunnelCard";
import type { TunnelState } from "../generated";
import { applyExchanges, NO_FAILURE } from "./connect/useLastFailure";
import { authBadge, failureWords, seenHeadline } from "./connect/failureWords";
import { EngineBanner } from "../components/EngineBanner";
import { useEngine } from "../state/engine";
import { setRun } from "../state/simulation";
import { setPresentation } from "../state/presentation";

vi.mock("../platform", async () => (await import("./testPlatform")).platformMock());

const m = api as unknown as Record<string, ReturnType<typeof vi.fn>>;

const MATCHED: AuthSummary = { scheme: "Bearer", last4: "x9Qa", matched: true, outcome: "matched" };
const WRONG_KEY: AuthSummary = { scheme: "Bearer", last4: "zzzz", matched: false, outcome: "wrong-key" };
const NO_HEADER: AuthSummary = { scheme: null, last4: null, matched: false, outcome: "missing-header" };

/** A diagnosis as the engine words it (crates/engine/src/diagnosis.rs). */
function diagnosis(over: Partial<Diagnosis>): Diagnosis {
  return { cause: "other", title: "the request was answered 400", status: 400, scimType: null, detail: null, quirk: null, fix: "the detail says why", ...over };
}
const WRONG_BASE = diagnosis({
  cause: "wrong-base-path",
  status: 404,
  title: "the tenant URL must end in /scim/v2 — yours ends in /scim",
  detail: "no such endpoint",
  fix: "in Entra ID, Enterprise applications → the app → Provisioning → Admin Credentials → Tenant URL: set it to https://<your tunnel host>/scim/v2 (Connect shows the exact value); then Test Connection, and Provision on demand for one user",
});
const MISSING = diagnosis({
  cause: "missing-header",
  status: 401,
  title: "no Authorization header arrived: the request carried no key at all",
  fix: "in Okta, Provisioning → Integration → Authentication Mode HTTP Header → Authorization: paste the SCIM key from Connect (Okta: with Authentication Mode HTTP Header, not None); then Test Connector Configuration, and push one user again",
});
const WRONG = diagnosis({
  cause: "wrong-key",
  status: 401,
  title: "the key sent is not this endpoint's SCIM key (the one sent ends in …zzzz)",
  fix: "in Entra ID, Provisioning → Admin Credentials → Secret Token: copy the key again from Connect (it changes when it is rotated) and paste it whole; then Test Connection, and Provision on demand for one user",
});

/** What `api.exchange(id)` answers, per id (the default: a matched key, no diagnosis). */
let details: Record<number, { auth: AuthSummary; diagnosis: Diagnosis | null; over?: Partial<ExchangeSummary> }> = {};

beforeEach(() => {
  vi.clearAllMocks();
  setRun(null);
  localStorage.clear();
  details = {};
  m.health = vi.fn(async () => ({ status: "ok" }));
  m.endpoint.mockResolvedValue({ tenantUrl: "http://127.0.0.1:8799/scim/v2", keyMasked: "…x9Qa", strict: false });
  m.exchanges.mockResolvedValue({ items: [], nextBefore: null });
  m.revealKey.mockResolvedValue({ key: "the-whole-secret-key-x9Qa" });
  m.exchange.mockImplementation(async (id: number) => {
    const d = details[id] ?? { auth: MATCHED, diagnosis: null };
    return { ...summary({ id, ...d.over }), auth: d.auth, diagnosis: d.diagnosis };
  });
});

afterEach(() => setPresentation(false));

const view = () => renderWithEngine(<ConnectView param={null} params={new URLSearchParams()} />);

describe("ConnectView", () => {
  it("shows the tenant URL and the tunnel commands with the real port", async () => {
    view();
    const url = await screen.findByTestId("tenant-url");
    await waitFor(() => expect(url.textContent).toBe("http://127.0.0.1:8799/scim/v2"));
    expect(screen.getByText("cloudflared tunnel --url http://127.0.0.1:8799")).toBeTruthy();
    expect(screen.getByText("ngrok http 8799")).toBeTruthy();
  });

  it("flips from waiting to seen when an exchange is recorded", async () => {
    view();
    await screen.findByText("Waiting for the first request from your IdP…");
    await settle();
    expect(screen.getByTestId("waiting-first-request")).toBeTruthy();
    expect(screen.queryByTestId("first-request-seen")).toBeNull();

    emit({ type: "exchange.recorded", exchanges: [summary({ id: 41, idp: "okta", operation: "connection-probe" })] });

    const seen = screen.getByTestId("first-request-seen");
    expect(screen.queryByTestId("waiting-first-request")).toBeNull();
    expect(seen.textContent).toContain("Okta");
    expect(seen.textContent).toContain("connection test");
    expect(seen.querySelector("a")?.getAttribute("href")).toBe("#/traffic/41");
    await waitFor(() => expect(seen.textContent).toContain("key matched"));
  });

  it("blames the key for a 401 only because its outcome says wrong-key, and pins the failure with the fix", async () => {
    details[7] = { auth: WRONG_KEY, diagnosis: WRONG, over: { status: 401 } };
    view();
    await screen.findByTestId("waiting-first-request");
    await settle();
    emit({ type: "exchange.recorded", exchanges: [summary({ id: 7, status: 401, operation: "rejected" })] });
    const seen = screen.getByTestId("first-request-seen");
    await waitFor(() => expect(seen.textContent).toContain("key was refused"));
    expect(seen.textContent).toContain("key did not match (Bearer …zzzz)");
    const card = screen.getByTestId("last-failure");
    await waitFor(() => expect(within(card).getByTestId("failure-title").textContent).toBe("The key sent is not this endpoint's SCIM key (the one sent ends in …zzzz)"));
    expect(within(card).getByTestId("failure-key").textContent).toContain("ScimLab's current key ends in …x9Qa, the one sent ends in …zzzz");
    expect(within(card).getByTestId("failure-fix").textContent).toMatch(/^What to change in Entra ID: in Entra ID, Provisioning → Admin Credentials → Secret Token/);
    expect(card.getAttribute("data-cause")).toBe("wrong-key");
  });

  it("a wrong base path sent with the good key blames the URL and says the key is fine", async () => {
    details[12] = { auth: MATCHED, diagnosis: WRONG_BASE, over: { status: 404, path: "/scim/Users" } };
    view();
    await screen.findByTestId("waiting-first-request");
    await settle();
    emit({ type: "exchange.recorded", exchanges: [summary({ id: 12, status: 404, path: "/scim/Users", operation: "rejected" })] });
    const card = screen.getByTestId("last-failure");
    await waitFor(() => expect(card.getAttribute("data-cause")).toBe("wrong-base-path"));
    expect(within(card).getByTestId("failure-title").textContent).toBe("The tenant URL must end in /scim/v2 — yours ends in /scim");
    expect(within(card).getByTestId("failure-key").textContent).toBe("The key is fine: it matched (Bearer …x9Qa). The request was refused for its URL, not its key.");
    expect(within(card).getByTestId("failure-fix").textContent).toContain("Tenant URL: set it to https://<your tunnel host>/scim/v2");
    expect(card.textContent).toContain("no such endpoint");
    const seen = screen.getByTestId("first-request-seen");
    expect(seen.textContent).toContain("reached ScimLab, but the request failed (404)");
    for (const text of [card.textContent, seen.textContent]) {
      expect(text).not.toMatch(/key was refused|key did not match|wrong key|copy the key/i);
    }
  });

  it("a request without an Authorization header says so, and does not ask to copy the key again", async () => {
    details[3] = { auth: NO_HEADER, diagnosis: MISSING, over: { status: 401, idp: "okta" } };
    view();
    await screen.findByTestId("waiting-first-request");
    await settle();
    emit({ type: "exchange.recorded", exchanges: [summary({ id: 3, status: 401, idp: "okta", operation: "rejected" })] });
    const card = screen.getByTestId("last-failure");
    await waitFor(() => expect(card.getAttribute("data-cause")).toBe("missing-header"));
    expect(within(card).getByTestId("failure-title").textContent).toBe("No Authorization header arrived: the request carried no key at all");
    expect(within(card).getByTestId("failure-key").textContent).toContain("set the Authorization header");
    expect(within(card).getByTestId("failure-fix").textContent).toMatch(/^What to change in Okta: /);
    expect(card.textContent).not.toMatch(/copy the key again|re-copy/i);
    expect(screen.getByTestId("first-request-seen").textContent).toContain("Okta reached ScimLab, but sent no Authorization header");
  });

  it("keeps the last failure pinned through other requests until one succeeds, then says when it was fixed", async () => {
    details[20] = { auth: WRONG_KEY, diagnosis: WRONG, over: { status: 401 } };
    details[22] = { auth: MATCHED, diagnosis: WRONG_BASE, over: { status: 404, path: "/scim/Users" } };
    view();
    await screen.findByTestId("waiting-first-request");
    await settle();
    emit({ type: "exchange.recorded", exchanges: [summary({ id: 20, status: 401, at: "2026-11-28T17:00:00.000Z" })] });
    const pinned = () => screen.getByTestId("last-failure");
    await waitFor(() => expect(pinned().getAttribute("data-cause")).toBe("wrong-key"));
    // neither a redirect nor a later, different failure's arrival order lets it go: the later failure replaces it
    emit({ type: "exchange.recorded", exchanges: [summary({ id: 21, status: 304, at: "2026-11-28T17:00:01.000Z" })] });
    expect(pinned().getAttribute("data-cause")).toBe("wrong-key");
    emit({ type: "exchange.recorded", exchanges: [summary({ id: 22, status: 404, path: "/scim/Users", at: "2026-11-28T17:00:02.000Z" })] });
    await waitFor(() => expect(pinned().getAttribute("data-cause")).toBe("wrong-base-path"));
    expect(pinned().textContent).toContain("/scim/Users");
    emit({ type: "exchange.recorded", exchanges: [summary({ id: 23, status: 201, operation: "create", at: "2026-11-28T17:00:03.000Z" })] });
    expect(screen.queryByTestId("last-failure")).toBeNull();
    const fixed = screen.getByTestId("failure-fixed");
    expect(fixed.textContent).toMatch(/Fixed at \d\d:\d\d:\d\d/);
    expect(fixed.textContent).toContain("GET /scim/Users");
    // a new failure after the fix is pinned again
    emit({ type: "exchange.recorded", exchanges: [summary({ id: 24, status: 409, at: "2026-11-28T17:00:04.000Z" })] });
    expect(screen.getByTestId("last-failure")).toBeTruthy();
    expect(screen.queryByTestId("failure-fixed")).toBeNull();
  });

  it("finds a standing failure on open, and none when a success came after it", async () => {
    const failing = summary({ id: 30, status: 404, at: "2026-11-28T17:00:00.000Z" });
    const ok = summary({ id: 31, status: 200, at: "2026-11-28T17:00:05.000Z" });
    m.exchanges.mockImplementation(async (f: { status?: string }) => ({ items: f.status === "4xx" ? [failing] : f.status === "2xx" ? [] : [failing], nextBefore: null }));
    const first = view();
    await screen.findByTestId("last-failure");
    first.unmount();
    m.exchanges.mockImplementation(async (f: { status?: string }) => ({ items: f.status === "4xx" ? [failing] : f.status === "5xx" ? [] : [ok], nextBefore: null }));
    view();
    await screen.findByTestId("first-request-seen");
    await act(async () => {});
    expect(screen.queryByTestId("last-failure")).toBeNull();
  });

  it("holds the first success, but replaces a refused request with the next one", async () => {
    view();
    await screen.findByTestId("waiting-first-request");
    await settle();
    emit({ type: "exchange.recorded", exchanges: [summary({ id: 7, status: 401, operation: "rejected" })] });
    expect(screen.getByTestId("first-request-seen").textContent).toContain("failed (401)");
    emit({ type: "exchange.recorded", exchanges: [summary({ id: 8, idp: "okta", operation: "connection-probe" })] });
    expect(screen.getByTestId("first-request-seen").textContent).not.toContain("failed");
    expect(screen.getByTestId("first-request-seen").textContent).toContain("Okta reached ScimLab");
    emit({ type: "exchange.recorded", exchanges: [summary({ id: 9, operation: "create" }), summary({ id: 10, operation: "create" })] });
    const seen = screen.getByTestId("first-request-seen");
    expect(seen.textContent).toContain("connection test");
    expect(seen.textContent).toContain("+2 more since");
  });

  it("starts in the seen state when traffic already exists", async () => {
    m.exchanges.mockResolvedValue({ items: [summary({ id: 9, idp: "entra" })], nextBefore: null });
    view();
    const seen = await screen.findByTestId("first-request-seen");
    expect(seen.textContent).toContain("Entra ID");
    expect(m.exchanges).toHaveBeenCalledWith({}, null, 1);
  });

  it("reveals and hides the key, and follows endpoint.changed", async () => {
    view();
    const key = await screen.findByTestId("scim-key");
    await waitFor(() => expect(key.textContent).toBe("…x9Qa"));
    fireEvent.click(screen.getByText("Reveal"));
    await waitFor(() => expect(key.textContent).toBe("the-whole-secret-key-x9Qa"));
    fireEvent.click(screen.getByText("Hide"));
    expect(key.textContent).toBe("…x9Qa");
    emit({ type: "endpoint.changed", keyMasked: "…NEW1" });
    expect(screen.getByTestId("scim-key").textContent).toBe("…NEW1");
  });

  it("rotates only after confirming", async () => {
    m.rotateKey.mockResolvedValue({ keyMasked: "…Zt3w" });
    view();
    await waitFor(() => expect(screen.getByTestId("scim-key").textContent).toBe("…x9Qa"));
    fireEvent.click(screen.getByText("Rotate key"));
    expect(screen.getByRole("dialog").textContent).toContain("401");
    expect(m.rotateKey).not.toHaveBeenCalled();
    fireEvent.click(screen.getAllByText("Rotate key").at(-1)!);
    await waitFor(() => expect(screen.getByTestId("scim-key").textContent).toBe("…Zt3w"));
    expect(m.rotateKey).toHaveBeenCalledTimes(1);
  });
});

describe("ConnectView: key handling, races and the simulator", () => {
  it("copies the key without putting it in the page", async () => {
    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    view();
    await waitFor(() => expect(screen.getByTestId("scim-key").textContent).toBe("…x9Qa"));
    fireEvent.click(screen.getByTitle("copy the full key"));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith("the-whole-secret-key-x9Qa"));
    expect(screen.getByTestId("scim-key").textContent).toBe("…x9Qa");
    expect(document.body.textContent).not.toContain("the-whole-secret-key");
  });

  it("a slow first check answered empty does not undo a live first request", async () => {
    let answer: (v: unknown) => void = () => {};
    m.exchanges.mockImplementation(() => new Promise((r) => (answer = r)));
    view();
    await screen.findByTestId("waiting-first-request");
    await settle();
    emit({ type: "exchange.recorded", exchanges: [summary({ id: 5, idp: "okta" })] });
    // On a loaded machine the view may subscribe after this emit: the event then arrives with
    // the subscription, a render later.
    expect(await screen.findByTestId("first-request-seen")).toBeTruthy();
    await act(async () => answer({ items: [], nextBefore: null }));
    expect(screen.getByTestId("first-request-seen").textContent).toContain("Okta");
    expect(screen.queryByTestId("waiting-first-request")).toBeNull();
  });

  it("shows a simulated run's progress, keeps it after the first request flips the panel, and toasts the outcome", async () => {
    m.startSimulation.mockResolvedValue({ id: "run-1" });
    view();
    await screen.findByText("Waiting for the first request from your IdP…");
    await settle();
    fireEvent.click(screen.getByRole("button", { name: "Simulate ▾" }));
    fireEvent.click(screen.getByRole("menuitem", { name: "Entra ID — guide setup" }));
    await waitFor(() => expect(screen.getByTestId("simulation-status").getAttribute("data-state")).toBe("running"));
    expect(m.startSimulation).toHaveBeenCalledWith({ scenario: "entra", setup: "guide", users: 10 });
    expect(screen.getByRole("button", { name: "Simulate ▾" }).hasAttribute("disabled")).toBe(true);
    emit({ type: "simulation.progress", id: "run-1", scenario: "entra", progress: { phase: "create", done: 4, estimatedTotal: 20, passed: 4, failed: 0, skipped: 0 } });
    expect(screen.getByTestId("simulation-status").textContent).toContain("4 / ~20 steps");
    emit({ type: "exchange.recorded", exchanges: [summary({ id: 3 })] });
    expect(screen.getByTestId("first-request-seen")).toBeTruthy();
    expect(screen.getByTestId("simulation-status").textContent).toContain("create");
    emit({
      type: "simulation.finished",
      id: "run-1",
      summary: {
        scenario: "entra", dialect: "default", setup: "guide", employeeTypeAt: "custom", notes: [], target: "x", users: 10, seed: 1,
        roles: { member: 8, admin: 2, missing: 0, invalid: 0, miscased: 0 },
        outcome: "failed", stopReason: null, steps: 20, passed: 18, failed: 2, skipped: 0, throttled: 0, waitedMs: 0, durationMs: 1500, rate: 0,
        startedAt: "2026-01-01T00:00:00Z",
        failures: [{ index: 3, phase: "update", name: "patch", method: "PATCH", path: "/scim/v2/Users/1", status: 400, latencyMs: 1, verdict: "fail", expected: "200", explanation: "bad op", retries: 0, waitedMs: 0 }],
      },
    });
    expect(screen.getByTestId("simulation-status").getAttribute("data-state")).toBe("finished");
    const alert = screen.getByRole("alert");
    expect(alert.textContent).toContain("18 passed, 2 failed");
    expect(alert.textContent).toContain("PATCH /scim/v2/Users/1");
  });
});

describe("ConnectView: presentation mode and an engine that does not answer", () => {
  it("never shows the key while presenting, but still copies it", async () => {
    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    view();
    const key = await screen.findByTestId("scim-key");
    await waitFor(() => expect(key.textContent).toBe("…x9Qa"));
    fireEvent.click(screen.getByText("Reveal"));
    await waitFor(() => expect(key.textContent).toBe("the-whole-secret-key-x9Qa"));
    act(() => setPresentation(true));
    expect(screen.getByTestId("scim-key").textContent).toBe("…x9Qa");
    expect(screen.queryByText("Reveal")).toBeNull();
    expect(screen.queryByText("Hide")).toBeNull();
    expect(screen.getByText("hidden while presenting")).toBeTruthy();
    expect(document.body.textContent).not.toContain("the-whole-secret-key");
    fireEvent.click(screen.getByTitle("copy the full key"));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith("the-whole-secret-key-x9Qa"));
    expect(document.body.textContent).not.toContain("the-whole-secret-key");
    act(() => setPresentation(false));
    expect(screen.getByText("Reveal")).toBeTruthy();
  });

  it("an unreachable engine shows the banner instead of a toast and disables the actions", async () => {
    const unreachable = Object.assign(new Error("cannot reach the scimlab engine at http://127.0.0.1:1: TypeError: Failed to fetch"), { status: 0 });
    m.endpoint.mockRejectedValue(unreachable);
    m.exchanges.mockRejectedValue(unreachable);
    m.health.mockRejectedValue(unreachable);
    renderWithEngine(
      <>
        <EngineBanner />
        <ConnectView param={null} params={new URLSearchParams()} />
      </>,
    );
    const banner = await screen.findByTestId("engine-banner");
    expect(banner.textContent).toMatch(/The ScimLab engine is not answering — the data below is from \d\d:\d\d:\d\d and may be stale; retrying…/);
    expect(document.querySelector(".toast")).toBeNull();
    expect(screen.getByText("Rotate key").hasAttribute("disabled")).toBe(true);
    expect(screen.getByText("Reveal").hasAttribute("disabled")).toBe(true);
    expect(screen.getByRole("button", { name: "Simulate ▾" }).hasAttribute("disabled")).toBe(true);
    // it answers again: the banner goes by itself
    m.health.mockResolvedValue({ status: "ok" });
    m.endpoint.mockResolvedValue({ tenantUrl: "http://127.0.0.1:8799/scim/v2", keyMasked: "…x9Qa", strict: false });
    m.exchanges.mockResolvedValue({ items: [], nextBefore: null });
    await waitFor(() => expect(screen.queryByTestId("engine-banner")).toBeNull(), { timeout: 3000 });
    expect(screen.getByRole("button", { name: "Simulate ▾" }).hasAttribute("disabled")).toBe(false);
    expect(document.querySelector(".toast")).toBeNull();
  });
});

describe("ConnectView while the database does not answer", () => {
  it("shows the database's own banner, not the engine's, and loads again once it answers", async () => {
    m.health.mockResolvedValue({
      status: "degraded",
      database: { backend: "postgresql", up: false, latencyMs: 0, error: "connection refused" },
    });
    m.endpoint.mockRejectedValue(Object.assign(new Error("database error: pool timed out while waiting for an open connection"), { status: 503 }));
    // as the app does: a new generation remounts the screen
    function Screen() {
      const { generation } = useEngine();
      return <ConnectView key={generation} param={null} params={new URLSearchParams()} />;
    }
    renderWithEngine(
      <>
        <EngineBanner />
        <Screen />
      </>,
    );
    const banner = await screen.findByTestId("database-banner");
    expect(banner.textContent).toContain("ScimLab's database is not answering (postgresql: connection refused)");
    expect(banner.textContent).toContain("answered 503 with Retry-After, which Entra ID and Okta retry");
    expect(screen.queryByTestId("engine-banner")).toBeNull();
    // it answers again: the banner goes and the screen loads
    m.health.mockResolvedValue({ status: "ok", database: { backend: "postgresql", up: true, latencyMs: 1, error: null } });
    m.endpoint.mockResolvedValue({ tenantUrl: "http://127.0.0.1:8799/scim/v2", keyMasked: "…x9Qa", strict: false });
    await waitFor(() => expect(screen.queryByTestId("database-banner")).toBeNull(), { timeout: 3000 });
    await waitFor(() => expect(screen.getByTestId("tenant-url").textContent).toBe("http://127.0.0.1:8799/scim/v2"));
  });
});

describe("ConnectView in a workspace", () => {
  const workspaceEndpoint = (template: string | null) => ({
    tenantUrl: "http://127.0.0.1:8799/w/acme/scim/v2",
    keyMasked: "…x9Qa",
    strict: false,
    workspace: { slug: "acme", name: "Acme", created: "2026-11-28T17:00:00Z", template },
  });
  const selectedTab = () => screen.getAllByRole("tab").find((t) => t.getAttribute("aria-selected") === "true")?.textContent;

  it("a workspace made from the Okta template opens on Okta's steps until another tab is picked", async () => {
    m.endpoint.mockResolvedValue(workspaceEndpoint("okta-guide"));
    view();
    await waitFor(() => expect(screen.getByTestId("tenant-url").textContent).toBe("http://127.0.0.1:8799/w/acme/scim/v2"));
    await waitFor(() => expect(selectedTab()).toBe("Okta"));
    fireEvent.click(screen.getByRole("tab", { name: "Microsoft Entra ID" }));
    expect(selectedTab()).toBe("Microsoft Entra ID");
  });

  it("the Entra template, or none, opens on Entra ID's; the steps advise assigning a test group only", async () => {
    m.endpoint.mockResolvedValue(workspaceEndpoint("entra-guide"));
    view();
    await screen.findByTestId("tenant-url");
    await waitFor(() => expect(selectedTab()).toBe("Microsoft Entra ID"));
    expect(screen.getByTestId("test-group-advice").textContent).toBe(
      "Assign only a test group to the app while you rehearse: real employees' data lands here.",
    );
  });
});

describe("failure words", () => {
  const s = summary({ id: 1, status: 404, path: "/scim/Users", idp: "okta" });
  it("blames the key only for a key outcome", () => {
    for (const outcome of ["matched", "not-checked", "unknown"] as const) {
      const w = failureWords(s, { ...MATCHED, outcome, matched: outcome === "matched" }, WRONG_BASE, "…x9Qa");
      expect(w.blamesKey).toBe(false);
      expect(`${w.title} ${w.keyLine ?? ""}`).not.toMatch(/refused: ScimLab's current key|copy the key/);
    }
    expect(failureWords(s, { ...MATCHED, outcome: "not-checked", matched: false }, WRONG_BASE, "…x9Qa").keyLine).toBe(
      "The key did not decide this: the request was refused before the key mattered.",
    );
    expect(failureWords(s, { ...MATCHED, outcome: "not-checked" }, WRONG_BASE, "…x9Qa").keyLine).toContain("The key is fine");
    for (const auth of [WRONG_KEY, NO_HEADER, { ...MATCHED, scheme: "Basic", matched: false, outcome: "wrong-scheme" as const }]) {
      expect(failureWords({ ...s, status: 401 }, auth, null, "…x9Qa").blamesKey).toBe(true);
    }
  });
  it("says what to change in the IdP that sent it, and waits for the detail before judging", () => {
    expect(failureWords(s, MATCHED, WRONG_BASE, "…x9Qa").fixIntro).toBe("What to change in Okta");
    expect(failureWords({ ...s, idp: "entra" }, MATCHED, WRONG_BASE, "…x9Qa").fixIntro).toBe("What to change in Entra ID");
    expect(failureWords({ ...s, idp: "other" }, MATCHED, WRONG_BASE, "…x9Qa").fixIntro).toBe("What to change in Entra ID / Okta (or your client)");
    const pending = failureWords({ ...s, status: 401 }, null, null, "…x9Qa");
    expect(pending).toMatchObject({ title: "Answered 401: reading why…", keyLine: null, blamesKey: false });
    expect(failureWords({ ...s, status: 401 }, NO_HEADER, null, "…x9Qa").fix).toContain("Authorization header");
  });
  it("headlines and badges", () => {
    expect(seenHeadline({ idp: "other", status: 200 }, null, true)).toBe("Another client reached ScimLab");
    expect(seenHeadline({ idp: "entra", status: 200 }, null, false)).toBe("Traffic is arriving — latest from Entra ID");
    expect(seenHeadline({ idp: "entra", status: 404 }, MATCHED, true)).toBe("Entra ID reached ScimLab, but the request failed (404)");
    expect(authBadge({ ...MATCHED, outcome: "not-checked", matched: false })).toEqual({ text: "key not checked: refused before it mattered", tone: "neutral" });
    expect(authBadge(NO_HEADER).text).toBe("no Authorization header sent");
  });
});

describe("the pinned failure rule", () => {
  const at = (sec: number) => `2026-11-28T17:00:${String(sec).padStart(2, "0")}.000Z`;
  it("a later failure replaces, a success clears, an older one re-announced does not return", () => {
    const f1 = summary({ id: 1, status: 401, at: at(1) });
    const f2 = summary({ id: 2, status: 500, at: at(2) });
    let st = applyExchanges(NO_FAILURE, [f1]);
    expect(st.failure?.id).toBe(1);
    st = applyExchanges(st, [summary({ id: 3, status: 302, at: at(3) }), f2]);
    expect(st.failure?.id).toBe(2);
    expect(applyExchanges(st, [f1]).failure?.id).toBe(2);
    st = applyExchanges(st, [summary({ id: 4, status: 204, at: at(4) })]);
    expect(st.failure).toBeNull();
    expect(st.fixed).toEqual({ failure: f2, at: at(4) });
    expect(applyExchanges(st, [f2])).toBe(st);
  });
  it("a fold of refused requests that grows after the fix is pinned again", () => {
    const fold = summary({ id: 5, status: 401, at: at(1), foldCount: 3, lastAt: at(2) });
    let st = applyExchanges(NO_FAILURE, [fold, summary({ id: 6, status: 200, at: at(3) })]);
    expect(st.fixed?.failure.id).toBe(5);
    st = applyExchanges(st, [{ ...fold, foldCount: 4, lastAt: at(9) }]);
    expect(st.failure?.foldCount).toBe(4);
    expect(st.fixed).toBeNull();
  });
});

describe("helpers", () => {
  it("parses the port", () => {
    expect(portOf("http://127.0.0.1:8787/scim/v2")).toBe("8787");
    expect(portOf("https://x.example/scim/v2")).toBe("443");
  });
  it("knows loopback needs a tunnel and a public https URL does not", () => {
    expect(needsTunnel("http://127.0.0.1:8787/scim/v2")).toBe(true);
    expect(needsTunnel("http://localhost:8787/scim/v2")).toBe(true);
    expect(needsTunnel("https://scim.example.com/scim/v2")).toBe(false);
  });
  it("builds the tenant URL behind a tunnel", () => {
    expect(tunnelTenantUrl("https://abc.trycloudflare.com/", "http://127.0.0.1:8787/scim/v2")).toBe("https://abc.trycloudflare.com/scim/v2");
    expect(tunnelTenantUrl("abc.ngrok.app", "http://127.0.0.1:8787/scim/v2")).toBe("https://abc.ngrok.app/scim/v2");
    expect(tunnelTenantUrl("http://abc.ngrok.app", "http://127.0.0.1:8787/scim/v2")).toBeNull();
  });
  it("gives each workspace its own public tenant URL from the one tunnel", () => {
    const running = {
      status: "running",
      provider: "cloudflared",
      publicUrl: "https://abc.trycloudflare.com",
      tenantUrl: "https://abc.trycloudflare.com/scim/v2",
      detail: null,
      startedAt: null,
      previousUrl: null,
    } as TunnelState;
    expect(forWorkspace(running, "http://127.0.0.1:8787/w/contoso/scim/v2")?.tenantUrl).toBe("https://abc.trycloudflare.com/w/contoso/scim/v2");
    expect(forWorkspace(running, "http://127.0.0.1:8787/scim/v2")?.tenantUrl).toBe("https://abc.trycloudflare.com/scim/v2");
    expect(forWorkspace({ ...running, status: "off", publicUrl: null, tenantUrl: null }, "http://127.0.0.1:8787/w/x/scim/v2")?.tenantUrl).toBeNull();
    expect(basePathOf("http://127.0.0.1:8787/w/contoso/scim/v2")).toBe("/w/contoso/scim/v2");
  });
});
