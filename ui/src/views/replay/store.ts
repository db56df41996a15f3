//! The replay the UI follows: a tiny store shared by the Replay dialog (Traffic, the user page)
//! and `<ReplayWatcher />` in the app frame, so a replay keeps its progress and its verdicts
//! when the dialog is closed or the screen changes, and reopening the dialog shows it. Fed by
//! the `replay.*` events (`applyReplayEvent`, pure), by `POST /api/replays` and by
//! `GET /api/replays/{id}` (`applyReplayStatus`: the steps, and the fallback when events are
//! missed). Also: the selection in words, and the target URL remembered for the browser
//! session. The target's token is never kept here (nor anywhere but the dialog's input).

import { useSyncExternalStore } from "react";
import type { EngineEvent, Progress, ReplaySelection, ReplayStatus, ReplayStep, ReplaySummary } from "../../generated";
import { count, idpName } from "../../format";

/** The replay on screen. */
export interface ReplayRun {
  id: string;
  /** What was selected, in words ("12 selected exchanges"); null when started elsewhere. */
  what: string | null;
  /** The target's SCIM base URL (null until known). */
  target: string | null;
  /** Exchanges selected (null until known). */
  selected: number | null;
  state: "running" | "finished" | "failed";
  progress: Progress | null;
  summary: ReplaySummary | null;
  /** Every step with its verdict, from `GET /api/replays/{id}` once finished (null until then). */
  steps: ReplayStep[] | null;
  error: string | null;
}

/** A replay the engine just accepted (`202`). */
export function startedReplay(id: string, known: { what?: string | null; target?: string | null; selected?: number | null } = {}): ReplayRun {
  return {
    id,
    what: known.what ?? null,
    target: known.target ?? null,
    selected: known.selected ?? null,
    state: "running",
    progress: null,
    summary: null,
    steps: null,
    error: null,
  };
}

/** The replay after an engine event. Events of another replay are followed when nothing runs
 *  here (one started from another window, or before the `202` was read); they never replace a
 *  running one. Applying the same event twice changes nothing. */
export function applyReplayEvent(run: ReplayRun | null, e: EngineEvent): ReplayRun | null {
  switch (e.type) {
    case "replay.progress":
      if (run && run.id === e.id) return run.state === "running" ? { ...run, progress: e.progress } : run;
      if (run && run.state === "running") return run;
      return { ...startedReplay(e.id), progress: e.progress };
    case "replay.finished": {
      if (run && run.id !== e.id && run.state === "running") return run;
      const base = run && run.id === e.id ? run : startedReplay(e.id, { target: e.summary.target, selected: e.summary.selected });
      if (base.state === "finished" && base.summary) return base;
      return { ...base, state: "finished", summary: e.summary, target: base.target ?? e.summary.target, selected: base.selected ?? e.summary.selected };
    }
    case "replay.failed":
      if (run && run.id !== e.id && run.state === "running") return run;
      return { ...(run && run.id === e.id ? run : startedReplay(e.id)), state: "failed", error: e.error };
    default:
      return run;
  }
}

/** The replay after `GET /api/replays/{id}`: its progress while it runs; its steps and summary
 *  once finished. An answer about another replay changes nothing. */
export function applyReplayStatus(run: ReplayRun | null, s: ReplayStatus): ReplayRun | null {
  if (!run || run.id !== s.id) return run;
  if (s.error) return { ...run, state: "failed", progress: s.progress, error: s.error };
  if (s.state === "finished") {
    return {
      ...run,
      state: "finished",
      progress: s.progress,
      steps: s.steps,
      summary: s.summary ?? run.summary,
      target: run.target ?? s.summary?.target ?? null,
      selected: run.selected ?? s.summary?.selected ?? null,
    };
  }
  return run.state === "running" ? { ...run, progress: s.progress } : run;
}

/** A finished replay in one sentence (the toast when the dialog is closed). */
export function replayOutcomeText(s: ReplaySummary): string {
  const counts = `${count(s.passed)} passed, ${count(s.failed)} failed${s.skipped ? `, ${count(s.skipped)} not sent` : ""}`;
  const what = s.dryRun ? `Dry run against ${s.target}` : `Replay against ${s.target}`;
  return `${what} ${s.outcome}: ${counts}${s.stopReason ? ` (${s.stopReason})` : ""}.`;
}

// ---- the selection in words -----------------------------------------------------------------

const plural = (n: number, one: string, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`;

/** What a selection replays, in words: "12 selected exchanges", "every exchange of user ada@x". */
export function selectionText(sel: ReplaySelection): string {
  if (sel.ids && sel.ids.length > 0) return plural(sel.ids.length, "selected exchange");
  const parts: string[] = [];
  if (sel.user) parts.push(`of user ${sel.user}`);
  if (sel.idp) parts.push(`from ${idpName(sel.idp)}`);
  if (sel.fromId !== undefined || sel.toId !== undefined) {
    parts.push(sel.fromId !== undefined && sel.toId !== undefined ? `#${sel.fromId} to #${sel.toId}` : sel.fromId !== undefined ? `from #${sel.fromId} on` : `up to #${sel.toId}`);
  }
  if (sel.since) parts.push(`since ${sel.since}`);
  if (sel.until) parts.push(`until ${sel.until}`);
  const noun = sel.writesOnly ? "write" : "exchange";
  return parts.length === 0 ? `every captured ${noun}` : `every ${noun} ${parts.join(" ")}`;
}

// ---- the target URL, for the browser session only ---------------------------------------------

const TARGET_KEY = "scimlab.replay.target";

/** The target URL used last in this browser session ("" when none). */
export function rememberedTarget(): string {
  try {
    return sessionStorage.getItem(TARGET_KEY) ?? "";
  } catch {
    return "";
  }
}

/** Remember the target URL for this session (never the token, never in localStorage). */
export function rememberTarget(url: string): void {
  try {
    sessionStorage.setItem(TARGET_KEY, url);
  } catch {
    // storage refused (private mode): the URL is typed again next time
  }
}

// ---- the shared store -----------------------------------------------------------------------

let current: ReplayRun | null = null;
/** When the store last heard of the running replay (epoch ms): the dialog polls when it is old. */
let news = 0;
/** Dialogs open now (the watcher toasts the outcome only when none is). */
let viewers = 0;
const listeners = new Set<() => void>();

export function getReplay(): ReplayRun | null {
  return current;
}

export function setReplay(next: ReplayRun | null): void {
  news = Date.now();
  if (next === current) return;
  current = next;
  for (const l of listeners) l();
}

export function subscribeReplay(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** Milliseconds since the store last heard of the replay. */
export function sinceNews(): number {
  return Date.now() - news;
}

/** Count an open dialog; returns the function that uncounts it. */
export function addViewer(): () => void {
  viewers += 1;
  return () => {
    viewers -= 1;
  };
}

export function hasViewer(): boolean {
  return viewers > 0;
}

/** The replay the UI follows, re-rendering on change. */
export function useReplay(): ReplayRun | null {
  return useSyncExternalStore(subscribeReplay, getReplay, getReplay);
}
