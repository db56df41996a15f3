import { beforeEach, describe, expect, it, vi } from "vitest";
import { act, fireEvent, screen, waitFor } from "@testing-library/react";
import { api } from "../platform";
import { emit, renderWithEngine, summary } from "./testHarness";
import { ConnectView } from "./Connect";
import { needsTunnel, portOf, tunnelTenantUrl } from "./connect/tenantUrl";
import { setRun } from "../state/simulation";

vi.mock("../platform", async () => (await import("./testPlatform")).platformMock());

const m = api as unknown as Record<string, ReturnType<typeof vi.fn>>;

beforeEach(() => {
  vi.clearAllMocks();
  setRun(null);
  localStorage.clear();
  m.endpoint.mockResolvedValue({ tenantUrl: "http://127.0.0.1:8799/scim/v2", keyMasked: "…x9Qa", strict: false });
  m.exchanges.mockResolvedValue({ items: [], nextBefore: null });
  m.revealKey.mockResolvedValue({ key: "the-whole-secret-key-x9Qa" });
  m.exchange.mockImplementation(async (id: number) => ({ ...summary({ id }), auth: { scheme: "Bearer", last4: "x9Qa", matched: true } }));
});

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

  it("explains a 401 as a wrong key", async () => {
    m.exchange.mockImplementation(async (id: number) => ({ ...summary({ id, status: 401 }), auth: { scheme: "Bearer", last4: "zzzz", matched: false } }));
    view();
    await screen.findByTestId("waiting-first-request");
    emit({ type: "exchange.recorded", exchanges: [summary({ id: 7, status: 401, operation: "rejected" })] });
    const seen = screen.getByTestId("first-request-seen");
    expect(seen.textContent).toContain("key was refused");
    expect(seen.textContent).toContain("How to fix it");
    await waitFor(() => expect(seen.textContent).toContain("…zzzz"));
  });

  it("holds the first success, but replaces a refused request with the next one", async () => {
    view();
    await screen.findByTestId("waiting-first-request");
    emit({ type: "exchange.recorded", exchanges: [summary({ id: 7, status: 401, operation: "rejected" })] });
    expect(screen.getByTestId("first-request-seen").textContent).toContain("refused");
    emit({ type: "exchange.recorded", exchanges: [summary({ id: 8, idp: "okta", operation: "connection-probe" })] });
    expect(screen.getByTestId("first-request-seen").textContent).not.toContain("refused");
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
    emit({ type: "exchange.recorded", exchanges: [summary({ id: 5, idp: "okta" })] });
    expect(screen.getByTestId("first-request-seen")).toBeTruthy();
    await act(async () => answer({ items: [], nextBefore: null }));
    expect(screen.getByTestId("first-request-seen").textContent).toContain("Okta");
    expect(screen.queryByTestId("waiting-first-request")).toBeNull();
  });

  it("shows a simulated run's progress, keeps it after the first request flips the panel, and toasts the outcome", async () => {
    m.startSimulation.mockResolvedValue({ id: "run-1" });
    view();
    await screen.findByText("Waiting for the first request from your IdP…");
    fireEvent.click(screen.getByText("Simulate an Entra ID cycle"));
    await waitFor(() => expect(screen.getByTestId("simulation-status").getAttribute("data-state")).toBe("running"));
    expect(screen.getByText("Simulate an Okta cycle").hasAttribute("disabled")).toBe(true);
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
});
