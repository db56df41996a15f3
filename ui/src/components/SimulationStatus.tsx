//! The simulator buttons' feedback, shared by every screen that has one: `useSimulation()` starts
//! a run (one at a time), `<SimulationStatus />` shows the running run's progress and how the
//! last one ended, and `<SimulationWatcher />` (mounted once, in the app frame) follows the
//! `simulation.*` events and toasts the outcome with its passed/failed counts — wherever the
//! admin is by then. Switching workspace forgets the run (it belongs to the one left).

import { useEffect, useRef, useState, useSyncExternalStore } from "react";
import { api } from "../platform";
import { useEngine, useEngineEvent } from "../state/engine";
import { useToast } from "../state/toasts";
import { href } from "../state/route";
import {
  applySimulationEvent,
  applySimulationStatus,
  getRun,
  outcomeText,
  scenarioLabel,
  setRun,
  startedRun,
  subscribeRun,
  type SimRun,
} from "../state/simulation";

/** The run the UI follows, and a way to start one. */
export function useSimulation(): { run: SimRun | null; busy: boolean; start: (scenario: "entra" | "okta", users?: number) => Promise<void> } {
  const run = useSyncExternalStore(subscribeRun, getRun, getRun);
  const [starting, setStarting] = useState(false);
  const toast = useToast();
  const start = async (scenario: "entra" | "okta", users = 10) => {
    setStarting(true);
    try {
      const { id } = await api.startSimulation({ scenario, users });
      // a fast run may have finished (events first) before the 202 was read: keep what is known
      const cur = getRun();
      if (!cur || cur.id !== id) setRun(startedRun(id, scenario));
    } catch (e) {
      toast.error(e);
    } finally {
      setStarting(false);
    }
  };
  return { run, busy: starting || run?.state === "running", start };
}

/** Follows `simulation.*` events into the shared run and toasts how a run ended. Mount once. */
export function SimulationWatcher() {
  const toast = useToast();
  const { workspace } = useEngine();
  const shownIn = useRef(workspace.slug);
  useEffect(() => {
    if (shownIn.current === workspace.slug) return;
    shownIn.current = workspace.slug;
    setRun(null);
  }, [workspace.slug]);
  useEngineEvent((e) => {
    if (e.type === "resync" || e.type === "reset") {
      // events may have been missed: ask the engine how the running run is doing
      const run = getRun();
      if (run && run.state === "running") {
        api
          .simulation(run.id)
          .then((s) => {
            const before = getRun();
            const next = applySimulationStatus(before, s);
            setRun(next);
            if (before?.state === "running") announce(next);
          })
          .catch((err: unknown) => {
            // 404: the engine restarted and forgot the run; anything else: the next event tells
            const cur = getRun();
            if ((err as { status?: number } | null)?.status === 404 && cur?.id === run.id && cur.state === "running") {
              setRun({ ...cur, state: "failed", error: "the engine no longer knows this run (it restarted): start it again" });
            }
          });
      }
      return;
    }
    if (e.type !== "simulation.progress" && e.type !== "simulation.finished" && e.type !== "simulation.failed") return;
    const before = getRun();
    const next = applySimulationEvent(before, e);
    setRun(next);
    if (next !== before && (before === null || before.id !== next?.id || before.state === "running")) announce(next);
  });

  function announce(run: SimRun | null) {
    if (!run) return;
    if (run.state === "finished" && run.summary) {
      if (run.summary.outcome === "passed") toast.info(outcomeText(run.summary));
      else toast.error(outcomeText(run.summary));
    } else if (run.state === "failed") {
      toast.error(`Simulated ${scenarioLabel(run.scenario)} cycle could not run: ${run.error ?? "unknown error"}`);
    }
  }
  return null;
}

/** The running run's progress, or how the last one ended (dismissable). Nothing without a run. */
export function SimulationStatus() {
  const run = useSyncExternalStore(subscribeRun, getRun, getRun);
  if (!run) return null;
  const who = scenarioLabel(run.scenario);
  const p = run.progress;
  if (run.state === "running") {
    const total = p ? Math.max(p.estimatedTotal, p.done, 1) : 0;
    return (
      <div className="sim-status running" role="status" aria-live="polite" data-testid="simulation-status" data-state="running">
        <span className="sim-title">Simulating {who}…</span>
        {p ? (
          <>
            <progress max={total} value={p.done} aria-label={`simulated ${who} cycle progress`} />
            <span className="muted sim-counts">
              {p.phase} · {p.done} / ~{total} steps · {p.passed} passed
              {p.failed ? `, ${p.failed} failed` : ""}
            </span>
          </>
        ) : (
          <span className="muted sim-counts">starting…</span>
        )}
      </div>
    );
  }
  const s = run.summary;
  const good = run.state === "finished" && s?.outcome === "passed";
  return (
    <div className={`sim-status ${good ? "good" : "bad"}`} role="status" data-testid="simulation-status" data-state={run.state}>
      <span className={`badge ${good ? "good" : "bad"}`}>{run.state === "failed" ? "could not run" : (s?.outcome ?? "finished")}</span>
      <span className="sim-counts">
        {s
          ? `Simulated ${who} cycle: ${s.passed} passed, ${s.failed} failed${s.skipped ? `, ${s.skipped} skipped` : ""} of ${s.steps} steps`
          : `Simulated ${who} cycle: ${run.error ?? "stopped"}`}
      </span>
      <a href={href("traffic")}>see the traffic</a>
      <button className="ghost small" aria-label="dismiss the simulation result" onClick={() => setRun(null)}>
        ×
      </button>
    </div>
  );
}
