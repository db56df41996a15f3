import { describe, expect, it } from "vitest";
import type { SimulationSummary } from "../generated";
import { applySimulationEvent, applySimulationStatus, outcomeText, startedRun } from "./simulation";

const progress = (done: number) => ({ phase: "create", done, estimatedTotal: 10, passed: done, failed: 0, skipped: 0 });
const summary = (over: Partial<SimulationSummary> = {}): SimulationSummary => ({
  scenario: "okta", dialect: "oin", setup: "guide", employeeTypeAt: null, notes: [], target: "t", users: 5, seed: 1,
  roles: { member: 5, admin: 0, missing: 0, invalid: 0, miscased: 0 },
  outcome: "passed", stopReason: null, steps: 10, passed: 10, failed: 0, skipped: 0, throttled: 0, waitedMs: 0, durationMs: 2000,
  rate: 0, startedAt: "", failures: [], ...over,
});

describe("applySimulationEvent", () => {
  it("follows the run's progress and its end", () => {
    let run = applySimulationEvent(startedRun("a", "okta"), { type: "simulation.progress", id: "a", scenario: "okta", progress: progress(3) });
    expect(run?.progress?.done).toBe(3);
    run = applySimulationEvent(run, { type: "simulation.finished", id: "a", summary: summary() });
    expect(run?.state).toBe("finished");
    // a late progress event does not reopen it
    expect(applySimulationEvent(run, { type: "simulation.progress", id: "a", scenario: "okta", progress: progress(9) })?.state).toBe("finished");
  });

  it("adopts a run started elsewhere, but never lets another run replace a running one", () => {
    const adopted = applySimulationEvent(null, { type: "simulation.progress", id: "b", scenario: "entra", progress: progress(1) });
    expect(adopted?.id).toBe("b");
    const running = startedRun("a", "okta");
    expect(applySimulationEvent(running, { type: "simulation.progress", id: "b", scenario: "entra", progress: progress(1) })).toBe(running);
    expect(applySimulationEvent(running, { type: "simulation.finished", id: "b", summary: summary() })).toBe(running);
    expect(applySimulationEvent(running, { type: "simulation.failed", id: "a", error: "no client" })?.error).toBe("no client");
  });

  it("repairs a run from GET /api/simulations/{id} after missed events", () => {
    const s = applySimulationStatus(startedRun("a", "okta"), {
      id: "a", scenario: "okta", state: "finished", progress: progress(10), error: null,
      report: { summary: summary(), steps: [], population: [] },
    });
    expect(s?.state).toBe("finished");
  });

  it("says the outcome with counts", () => {
    expect(outcomeText(summary())).toBe("Simulated Okta cycle passed: 10 passed, 0 failed of 10 steps (2.0 s).");
    expect(outcomeText(summary({ outcome: "failed", passed: 8, failed: 2 }))).toContain("failed: 8 passed, 2 failed of 10 steps");
  });
});
