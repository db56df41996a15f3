//! Tests of the Replay dialog against the fake platform: the exact StartReplay body (token and
//! selection), the engine's 400 inline, progress from a `replay.progress` event, the verdict
//! table from `GET /api/replays/{id}` on `replay.finished` (a row expands to what was rewritten,
//! a faulted original is marked), the token never kept, Escape, reopening on a running replay,
//! and polling when the events are silent.

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { api } from "../../platform";
import type { ReplayStatus, ReplayStep, ReplaySummary } from "../../generated";
import { emit, renderWithEngine } from "../testHarness";
import { ReplayDialog } from "./ReplayDialog";
import { getReplay, setReplay, startedReplay } from "./store";

vi.mock("../../platform", async () => (await import("../testPlatform")).platformMock());

const m = api as unknown as Record<string, ReturnType<typeof vi.fn>>;

function step(over: Partial<ReplayStep> = {}): ReplayStep {
  return {
    exchangeId: 3,
    originalStatus: 201,
    originalFault: null,
    rewritten: [],
    notRewritten: [],
    index: 1,
    phase: "create users",
    name: "create ada@x.test",
    method: "POST",
    path: "/Users",
    status: 201,
    latencyMs: 4,
    verdict: "pass",
    expected: "201 with an id",
    explanation: null,
    retries: 0,
    waitedMs: 0,
    ...over,
  };
}

function summary(over: Partial<ReplaySummary> = {}): ReplaySummary {
  return {
    target: "https://staging.example.com/scim/v2",
    selection: { writesOnly: false, ids: [3, 5] },
    selected: 2,
    dryRun: false,
    outcome: "failed",
    stopReason: null,
    steps: 2,
    passed: 1,
    failed: 1,
    skipped: 0,
    throttled: 0,
    waitedMs: 0,
    durationMs: 1200,
    startedAt: "2026-01-02T10:00:00Z",
    idsMapped: 1,
    failures: [],
    ...over,
  };
}

const STEPS: ReplayStep[] = [
  step({ rewritten: ["the id u-1 in the path → t-9 (the target's)"], notRewritten: ["password: redacted at capture, a generated one sent"] }),
  step({
    exchangeId: 5,
    index: 2,
    method: "PATCH",
    path: "/Users/t-9",
    originalStatus: 429,
    originalFault: "Throttled app",
    status: 500,
    verdict: "fail",
    expected: "200 or 204",
    explanation: "the target answered 500: the IdP retries, then gives up",
  }),
];

const finished = (id = "r1"): ReplayStatus => ({
  id,
  state: "finished",
  progress: { phase: "done", done: 2, estimatedTotal: 2, passed: 1, failed: 1, skipped: 0 },
  steps: STEPS,
  summary: summary(),
  error: null,
});

const onClose = vi.fn();
async function dialog() {
  renderWithEngine(<ReplayDialog selection={{ writesOnly: false, ids: [3, 5] }} what="2 selected exchanges" onClose={onClose} />);
  await screen.findByTestId("replay-dialog");
}

function fill(target = "https://staging.example.com/scim/v2", token = "s3cret-token") {
  fireEvent.change(screen.getByLabelText("Target SCIM base URL"), { target: { value: target } });
  fireEvent.change(screen.getByLabelText("Token"), { target: { value: token } });
}

beforeEach(() => {
  vi.clearAllMocks();
  setReplay(null);
  sessionStorage.clear();
  localStorage.clear();
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe("ReplayDialog", () => {
  it("states the selection and sends exactly the StartReplay body, token and selection included", async () => {
    m.startReplay.mockResolvedValue({ id: "r1", selected: 2 });
    await dialog();
    await screen.findByTestId("replay-dialog");
    expect(screen.getByTestId("replay-what").textContent).toContain("2 selected exchanges");
    const url = screen.getByLabelText("Target SCIM base URL");
    expect(url.getAttribute("placeholder")).toBe("https://staging.example.com/scim/v2");
    expect(screen.getByLabelText("Token").getAttribute("type")).toBe("password");
    expect((screen.getByLabelText("Rate (requests/s)") as HTMLInputElement).value).toBe("10");
    fill(" https://staging.example.com/scim/v2 ");
    fireEvent.click(screen.getByRole("button", { name: "Start replay" }));
    await waitFor(() => expect(m.startReplay).toHaveBeenCalledTimes(1));
    expect(m.startReplay.mock.calls[0][0]).toEqual({
      target: "https://staging.example.com/scim/v2",
      token: "s3cret-token",
      selection: { writesOnly: false, ids: [3, 5] },
      dryRun: false,
      rate: 10,
    });
    await screen.findByTestId("replay-progress");
    // only the URL is remembered, for the session; the token nowhere
    expect(sessionStorage.getItem("scimlab.replay.target")).toBe("https://staging.example.com/scim/v2");
    expect(JSON.stringify({ ...sessionStorage })).not.toContain("s3cret");
    expect(JSON.stringify({ ...localStorage })).not.toContain("s3cret");
    expect(JSON.stringify(getReplay())).not.toContain("s3cret");
  });

  it("sends a dry run at the rate typed (0: no limit)", async () => {
    m.startReplay.mockResolvedValue({ id: "r1", selected: 2 });
    await dialog();
    fill();
    fireEvent.change(screen.getByLabelText("Rate (requests/s)"), { target: { value: "0" } });
    fireEvent.click(screen.getByLabelText(/Dry run/));
    fireEvent.click(screen.getByRole("button", { name: "Start dry run" }));
    await waitFor(() => expect(m.startReplay).toHaveBeenCalledTimes(1));
    expect(m.startReplay.mock.calls[0][0]).toMatchObject({ dryRun: true, rate: 0 });
  });

  it("shows the engine's 400 in the dialog and stays on the form", async () => {
    m.startReplay.mockRejectedValue(Object.assign(new Error("invalid target url 'staging': it must start with http:// or https://"), { status: 400 }));
    await dialog();
    fill("staging");
    fireEvent.click(screen.getByRole("button", { name: "Start replay" }));
    const alert = await screen.findByTestId("replay-error");
    expect(alert.getAttribute("role")).toBe("alert");
    expect(alert.textContent).toBe("invalid target url 'staging': it must start with http:// or https://");
    expect(screen.getByLabelText("Token")).toBeTruthy();
    expect(screen.queryByTestId("replay-run")).toBeNull();
  });

  it("shows progress from replay.progress, then the verdict table from GET /api/replays/{id} on replay.finished", async () => {
    m.startReplay.mockResolvedValue({ id: "r1", selected: 2 });
    m.replay.mockResolvedValue(finished());
    await dialog();
    fill();
    fireEvent.click(screen.getByRole("button", { name: "Start replay" }));
    await screen.findByTestId("replay-progress");
    emit({ type: "replay.progress", id: "r1", progress: { phase: "replaying", done: 1, estimatedTotal: 2, passed: 1, failed: 0, skipped: 0 } });
    const bar = screen.getByRole("progressbar", { name: "replay progress" }) as HTMLProgressElement;
    expect(bar.value).toBe(1);
    expect(bar.max).toBe(2);
    expect(screen.getByTestId("replay-progress").textContent).toContain("1 / 2 · 1 passed");
    expect(m.replay).not.toHaveBeenCalled(); // the events are live: no polling

    emit({ type: "replay.finished", id: "r1", summary: summary() });
    await waitFor(() => expect(m.replay).toHaveBeenCalledWith("r1"));
    const table = await screen.findByTestId("replay-verdicts");
    const rows = within(table).getAllByTestId("replay-step");
    expect(rows).toHaveLength(2);
    expect(within(rows[0]).getByRole("link", { name: "#3" }).getAttribute("href")).toBe("#/traffic/3");
    expect(rows[0].textContent).toContain("POST /Users");
    expect(within(rows[0]).getByTestId("replay-verdict").textContent).toBe("pass");
    expect(rows[1].querySelector(".rp-c-status")!.textContent).toBe("429fault → 500");
    expect(within(rows[1]).getByTestId("replay-verdict").textContent).toBe("fail");
    expect(rows[1].textContent).toContain("the IdP retries, then gives up");
    // the faulted original is marked, and judged by the IdP's expectation alone
    expect(within(rows[1]).getByTestId("replay-fault-note").textContent).toContain("fault rule “Throttled app”");
    expect(within(rows[0]).queryByTestId("replay-fault-note")).toBeNull();
    const sum = screen.getByTestId("replay-summary");
    expect(sum.textContent).toContain("1 passed, 1 failed, 0 not sent · 1 id mapped");
    expect(screen.getByTestId("replay-outcome").textContent).toBe("failed");

    // a row expands to what was rewritten and what was not
    expect(screen.queryByTestId("replay-step-details")).toBeNull();
    const expand = within(rows[0]).getByRole("button", { name: "show what was rewritten in step 1" });
    fireEvent.click(expand);
    expect(expand.getAttribute("aria-expanded")).toBe("true");
    const details = screen.getByTestId("replay-step-details");
    expect(within(details).getByTestId("replay-rewritten").textContent).toBe("the id u-1 in the path → t-9 (the target's)");
    expect(within(details).getByTestId("replay-not-rewritten").textContent).toContain("a generated one sent");
    fireEvent.click(expand);
    expect(screen.queryByTestId("replay-step-details")).toBeNull();

    // only failures
    fireEvent.click(screen.getByLabelText(/only failures/));
    expect(within(screen.getByTestId("replay-verdicts")).getAllByTestId("replay-step").map((r) => r.getAttribute("data-exchange"))).toEqual(["5"]);
  });

  it("Escape closes; a running replay keeps running and reopening shows it", async () => {
    setReplay({ ...startedReplay("r7", { what: "every exchange of user ada@x.test", target: "https://t.example/scim/v2", selected: 4 }), progress: { phase: "replaying", done: 3, estimatedTotal: 4, passed: 3, failed: 0, skipped: 0 } });
    await dialog();
    const run = await screen.findByTestId("replay-run");
    expect(run.textContent).toContain("Replaying every exchange of user ada@x.test to https://t.example/scim/v2");
    expect((screen.getByRole("progressbar") as HTMLProgressElement).value).toBe(3);
    expect((screen.getByRole("button", { name: "New replay" }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.keyDown(window, { key: "Escape" });
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(getReplay()?.state).toBe("running");
  });

  it("polls GET /api/replays/{id} when no event comes", async () => {
    m.replay.mockResolvedValue({ ...finished("r8"), state: "running", steps: [], summary: null, progress: { phase: "replaying", done: 1, estimatedTotal: 2, passed: 1, failed: 0, skipped: 0 } });
    setReplay(startedReplay("r8", { selected: 2 }));
    const now = Date.now();
    vi.spyOn(Date, "now").mockImplementation(() => now + 10_000);
    await dialog();
    await screen.findByTestId("replay-progress");
    await waitFor(() => expect(m.replay).toHaveBeenCalledWith("r8"), { timeout: 2000 });
    await waitFor(() => expect((screen.getByRole("progressbar") as HTMLProgressElement).value).toBe(1));
  });

  it("shows the replay's error when it could not run", async () => {
    m.startReplay.mockResolvedValue({ id: "r9", selected: 1 });
    await dialog();
    fill();
    fireEvent.click(screen.getByRole("button", { name: "Start replay" }));
    await screen.findByTestId("replay-progress");
    emit({ type: "replay.failed", id: "r9", error: "cannot build the http client" });
    expect(screen.getByTestId("replay-error").textContent).toContain("cannot build the http client");
  });
});
