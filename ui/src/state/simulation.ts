//! The simulator run the UI follows ("Simulate an Entra ID cycle"): a tiny store shared by every
//! screen with a simulate button, so a run started on Connect still shows its progress and its
//! outcome after the screen changes. Fed by `simulation.*` engine events (`applySimulationEvent`,
//! pure and unit-tested) and by the `POST /api/simulations` answer.

import type { EngineEvent, Progress, SimulationStatus, SimulationSummary } from "../generated";

/** The run on screen. */
export interface SimRun {
  id: string;
  /** `entra`, `okta` or `import`. */
  scenario: string;
  state: "running" | "finished" | "failed";
  progress: Progress | null;
  summary: SimulationSummary | null;
  error: string | null;
}

/** A run that was just accepted (`202`), before its first progress event. */
export function startedRun(id: string, scenario: string): SimRun {
  return { id, scenario, state: "running", progress: null, summary: null, error: null };
}

/**
 * The run after an engine event. Events of another run are followed when nothing runs here
 * (a run started from another window); events of an older run never replace a running one.
 */
export function applySimulationEvent(run: SimRun | null, e: EngineEvent): SimRun | null {
  switch (e.type) {
    case "simulation.progress":
      if (run && run.id === e.id) return run.state === "running" ? { ...run, progress: e.progress } : run;
      if (run && run.state === "running") return run;
      return { ...startedRun(e.id, e.scenario), progress: e.progress };
    case "simulation.finished":
      if (run && run.id !== e.id && run.state === "running") return run;
      return { ...(run && run.id === e.id ? run : startedRun(e.id, e.summary.scenario)), state: "finished", summary: e.summary };
    case "simulation.failed":
      if (!run || run.id !== e.id) return run;
      return { ...run, state: "failed", error: e.error };
    default:
      return run;
  }
}

/** The run after `GET /api/simulations/{id}` (used after a resync, when events may be lost). */
export function applySimulationStatus(run: SimRun | null, s: SimulationStatus): SimRun | null {
  if (!run || run.id !== s.id || run.state !== "running") return run;
  if (s.error) return { ...run, state: "failed", progress: s.progress, error: s.error };
  if (s.state === "finished" && s.report) return { ...run, state: "finished", progress: s.progress, summary: s.report.summary };
  return { ...run, progress: s.progress };
}

/** The IdP of a scenario in the admin's words. */
export function scenarioLabel(scenario: string): string {
  return scenario === "entra" ? "Entra ID" : scenario === "okta" ? "Okta" : scenario === "import" ? "import" : scenario;
}

/** The outcome of a finished run in one sentence (the toast). */
export function outcomeText(s: SimulationSummary): string {
  const what = `Simulated ${scenarioLabel(s.scenario)} cycle`;
  const counts = `${s.passed} passed, ${s.failed} failed${s.skipped ? `, ${s.skipped} skipped` : ""} of ${s.steps} steps`;
  const secs = `${(s.durationMs / 1000).toFixed(1)} s`;
  if (s.outcome === "passed") return `${what} passed: ${counts} (${secs}).`;
  const first = s.failures[0];
  const firstText = first ? ` First failure: ${first.method} ${first.path} → ${first.status ?? "no answer"}${first.explanation ? ` (${first.explanation})` : ""}.` : "";
  const reason = s.stopReason ? ` ${s.stopReason}.` : "";
  return `${what} ${s.outcome}: ${counts}.${reason}${firstText}`;
}

// ---- the shared store ----------------------------------------------------------------------

let current: SimRun | null = null;
const listeners = new Set<() => void>();

export function getRun(): SimRun | null {
  return current;
}

export function setRun(next: SimRun | null): void {
  if (next === current) return;
  current = next;
  listeners.forEach((l) => l());
}

export function subscribeRun(l: () => void): () => void {
  listeners.add(l);
  return () => {
    listeners.delete(l);
  };
}
