//! "Replay against…", a dialog: send the captured exchanges the admin picked (Traffic's
//! selection or filters, a user's whole timeline) to another SCIM app — a customer's staging
//! app, a colleague's ScimLab — in their original order, ids rewritten to the target's, and
//! judge every answer. The form asks for the target's SCIM base URL, its token (a password
//! field, sent for this replay only: never shown back, never stored; only the URL is remembered,
//! for the browser session), a dry run and the rate. The engine's 400 / 409 is shown in the
//! dialog. Once started: a progress bar fed by `replay.progress` events (polling
//! `GET /api/replays/{id}` every 500 ms when the stream is down or silent), then the summary
//! and the verdict table (VerdictTable.tsx). Escape closes; a running replay keeps running and
//! reopening the dialog shows it (store.ts). Tab stays inside.

import { useEffect, useId, useRef, useState } from "react";
import type { ReplaySelection, StartReplay } from "../../generated";
import { api } from "../../platform";
import { useEngine } from "../../state/engine";
import { messageOf } from "../../state/toasts";
import { count } from "../../format";
import { useDialogKeys } from "../../components/useDialogKeys";
import {
  addViewer,
  applyReplayStatus,
  getReplay,
  rememberedTarget,
  rememberTarget,
  setReplay,
  sinceNews,
  startedReplay,
  useReplay,
  type ReplayRun,
} from "./store";
import { VerdictTable } from "./VerdictTable";
import "./replay.css";

/** The default rate, requests per second (the engine's own default). */
export const DEFAULT_RATE = "10";
/** Poll `GET /api/replays/{id}` this often while the events are down or silent. */
export const POLL_MS = 500;
/** Events count as silent after this long without news. */
const SILENT_MS = 2000;

/** The rate typed, or null when it is not a number ≥ 0. */
export function parseRate(text: string): number | null {
  if (!/^\s*\d+(\.\d+)?\s*$/.test(text)) return null;
  const n = Number(text);
  return Number.isFinite(n) && n >= 0 ? n : null;
}


/** Follow a running replay when events do not come (stream down, or silent for a while), and
 *  load the steps of a finished one. */
function useReplayStatus(run: ReplayRun | null) {
  const { stream } = useEngine();
  const live = useRef(stream === "live");
  live.current = stream === "live";
  const id = run?.id ?? null;
  const state = run?.state ?? null;
  const needSteps = run !== null && run.state === "finished" && run.steps === null;
  const [stepsError, setStepsError] = useState<string | null>(null);

  useEffect(() => {
    if (id === null || state !== "running") return;
    let busy = false;
    let stopped = false;
    const t = setInterval(() => {
      if (busy || (live.current && sinceNews() < SILENT_MS)) return;
      busy = true;
      api
        .replay(id)
        .then((s) => {
          if (!stopped) setReplay(applyReplayStatus(getReplay(), s));
        })
        .catch((e: unknown) => {
          const cur = getReplay();
          if (!stopped && (e as { status?: number } | null)?.status === 404 && cur?.id === id && cur.state === "running") {
            setReplay({ ...cur, state: "failed", error: "the engine no longer knows this replay (it restarted): start it again" });
          }
        })
        .finally(() => {
          busy = false;
        });
    }, POLL_MS);
    return () => {
      stopped = true;
      clearInterval(t);
    };
  }, [id, state]);

  useEffect(() => {
    if (id === null || !needSteps) return;
    let stopped = false;
    setStepsError(null);
    api
      .replay(id)
      .then((s) => {
        if (!stopped) setReplay(applyReplayStatus(getReplay(), s));
      })
      .catch((e: unknown) => {
        if (!stopped) setStepsError(`the verdicts could not be loaded: ${messageOf(e)}`);
      });
    return () => {
      stopped = true;
    };
  }, [id, needSteps]);

  return stepsError;
}

function Progressing({ run }: { run: ReplayRun }) {
  const p = run.progress;
  const total = p ? Math.max(p.estimatedTotal, p.done, 1) : Math.max(run.selected ?? 1, 1);
  return (
    <div className="rp-progress" role="status" aria-live="polite" data-testid="replay-progress">
      <progress max={total} value={p?.done ?? 0} aria-label="replay progress" />
      <span className="muted">
        {p
          ? `${p.phase} · ${count(p.done)} / ${p.estimatedTotal >= p.done ? "" : "~"}${count(total)} · ${count(p.passed)} passed${p.failed ? `, ${count(p.failed)} failed` : ""}${
              p.skipped ? `, ${count(p.skipped)} not sent` : ""
            }`
          : "starting…"}
      </span>
      <p className="muted small">You can close this dialog: the replay keeps running, and reopening it shows it.</p>
    </div>
  );
}

function Summary({ run }: { run: ReplayRun }) {
  const s = run.summary;
  if (!s) return null;
  const good = s.outcome === "passed";
  return (
    <div className={`rp-summary ${good ? "good" : "bad"}`} data-testid="replay-summary" role="status">
      <span className={`badge ${good ? "good" : "bad"}`} data-testid="replay-outcome">
        {s.outcome}
      </span>
      <span>
        {count(s.passed)} passed, {count(s.failed)} failed, {count(s.skipped)} not sent · {count(s.idsMapped)} {s.idsMapped === 1 ? "id" : "ids"} mapped ·{" "}
        {(s.durationMs / 1000).toFixed(1)} s
        {s.throttled ? ` · ${count(s.throttled)} × 429, ${(s.waitedMs / 1000).toFixed(1)} s waited` : ""}
      </span>
      {s.dryRun ? <span className="badge neutral">dry run: nothing sent</span> : null}
      {s.stopReason ? <span className="rp-stop">{s.stopReason}</span> : null}
    </div>
  );
}

function RunView({ run, stepsError, onNavigate }: { run: ReplayRun; stepsError: string | null; onNavigate: () => void }) {
  return (
    <div className="rp-run" data-testid="replay-run" data-state={run.state}>
      <p className="rp-what">
        {run.state === "running" ? "Replaying" : "Replayed"} {run.what ? <b>{run.what}</b> : run.selected !== null ? <b>{count(run.selected)} exchanges</b> : "captured exchanges"}
        {run.target ? (
          <>
            {" "}
            to <span className="mono">{run.target}</span>
          </>
        ) : null}
      </p>
      {run.state === "running" ? <Progressing run={run} /> : null}
      {run.state === "failed" ? (
        <p className="rp-error" role="alert" data-testid="replay-error">
          The replay could not run: {run.error ?? "unknown error"}
        </p>
      ) : null}
      {run.state === "finished" ? (
        <>
          <Summary run={run} />
          {run.steps ? (
            <VerdictTable steps={run.steps} onNavigate={onNavigate} />
          ) : stepsError ? (
            <p className="rp-error" role="alert">
              {stepsError}
            </p>
          ) : (
            <p className="muted">loading the verdicts…</p>
          )}
        </>
      ) : null}
    </div>
  );
}

export function ReplayDialog({
  selection,
  what,
  onClose,
}: {
  /** What to replay (`ids`, `user`, `idp`…). */
  selection: ReplaySelection;
  /** The selection in words, for the one-line statement ("12 selected exchanges"). */
  what: string;
  onClose: () => void;
}) {
  const uid = useId();
  const id = (k: string) => `${uid}-${k}`;
  const run = useReplay();
  // the replay shown: the running one when the dialog opens, the one started here after
  const [shownId, setShownId] = useState<string | null>(() => (run && run.state === "running" ? run.id : null));
  const shown = run && run.id === shownId ? run : null;
  const [target, setTarget] = useState(rememberedTarget);
  const [token, setToken] = useState("");
  const [dryRun, setDryRun] = useState(false);
  const [rateText, setRateText] = useState(DEFAULT_RATE);
  const [error, setError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const dialogRef = useRef<HTMLDivElement>(null);
  const targetRef = useRef<HTMLInputElement>(null);
  const tokenRef = useRef<HTMLInputElement>(null);
  const closeRef = useRef<HTMLButtonElement>(null);

  useDialogKeys(dialogRef, onClose);
  useEffect(() => addViewer(), []);
  const stepsError = useReplayStatus(shown);

  const showingRun = shown !== null;
  useEffect(() => {
    if (showingRun) closeRef.current?.focus();
    else if (targetRef.current && targetRef.current.value) tokenRef.current?.focus();
    else targetRef.current?.focus();
  }, [showingRun]);

  const rate = parseRate(rateText);
  const ready = target.trim() !== "" && token.trim() !== "" && rate !== null;
  const running = run !== null && run.state === "running";

  const start = async () => {
    if (!ready || starting || rate === null) return;
    setStarting(true);
    setError(null);
    const url = target.trim();
    const body: StartReplay = { target: url, token, selection, dryRun, rate };
    try {
      const started = await api.startReplay(body);
      rememberTarget(url);
      setToken("");
      const cur = getReplay();
      // a fast replay may have sent its events before the 202 was read: keep what they told
      setReplay(
        cur && cur.id === started.id
          ? { ...cur, what, target: url, selected: started.selected }
          : startedReplay(started.id, { what, target: url, selected: started.selected }),
      );
      setShownId(started.id);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setStarting(false);
    }
  };

  return (
    <div className="modal-backdrop" onClick={onClose}>
      <div
        ref={dialogRef}
        className={`modal rp-dialog${shown ? " rp-wide" : ""}`}
        role="dialog"
        aria-modal="true"
        aria-labelledby={id("title")}
        data-testid="replay-dialog"
        onClick={(e) => e.stopPropagation()}
      >
        <h3 id={id("title")}>Replay against another SCIM app</h3>
        {shown ? (
          <>
            <RunView run={shown} stepsError={stepsError} onNavigate={onClose} />
            <div className="modal-actions">
              <button type="button" disabled={shown.state === "running"} title={shown.state === "running" ? "one replay at a time: wait for this one to finish" : undefined} onClick={() => setShownId(null)}>
                New replay
              </button>
              <button type="button" className="primary" ref={closeRef} onClick={onClose}>
                Close
              </button>
            </div>
          </>
        ) : (
          <form
            className="rp-form"
            noValidate
            autoComplete="off"
            onSubmit={(e) => {
              e.preventDefault();
              void start();
            }}
          >
            <p className="rp-what" data-testid="replay-what">
              Sends <b>{what}</b> to the target in their original order, ids rewritten to the target's, and judges every answer as the IdP would.
            </p>
            <div className="rp-field">
              <label htmlFor={id("target")}>Target SCIM base URL</label>
              <input
                id={id("target")}
                ref={targetRef}
                type="url"
                inputMode="url"
                spellCheck={false}
                placeholder="https://staging.example.com/scim/v2"
                value={target}
                onChange={(e) => {
                  setTarget(e.target.value);
                  setError(null);
                }}
              />
            </div>
            <div className="rp-field">
              <label htmlFor={id("token")}>Token</label>
              <input
                id={id("token")}
                ref={tokenRef}
                type="password"
                autoComplete="new-password"
                spellCheck={false}
                placeholder="the bearer token the target expects"
                aria-describedby={id("token-hint")}
                value={token}
                onChange={(e) => {
                  setToken(e.target.value);
                  setError(null);
                }}
              />
              <small className="muted" id={id("token-hint")}>
                sent for this replay only: never stored, never shown again
              </small>
            </div>
            <div className="rp-row">
              <div className="rp-field rp-rate">
                <label htmlFor={id("rate")}>Rate (requests/s)</label>
                <input
                  id={id("rate")}
                  type="number"
                  inputMode="decimal"
                  min={0}
                  step="any"
                  value={rateText}
                  aria-invalid={rate === null || undefined}
                  aria-describedby={id("rate-hint")}
                  onChange={(e) => setRateText(e.target.value)}
                />
                <small className="muted" id={id("rate-hint")}>
                  {rate === null ? "a number: 0 means no limit" : "0: no limit"}
                </small>
              </div>
              <label className="rp-check rp-dry">
                <input type="checkbox" checked={dryRun} onChange={(e) => setDryRun(e.target.checked)} />
                Dry run: rewrite and list the requests without sending them
              </label>
            </div>
            {error ? (
              <p className="rp-error" role="alert" data-testid="replay-error">
                {error}
              </p>
            ) : null}
            {run && run.id !== shownId ? (
              <p className="muted small rp-last">
                {running ? "A replay is running" : `Last replay: ${run.summary?.outcome ?? run.state}`}
                {run.what ? ` (${run.what})` : ""}.{" "}
                <button type="button" className="ghost small" onClick={() => setShownId(run.id)}>
                  show it
                </button>
              </p>
            ) : null}
            <div className="modal-actions">
              <button type="button" onClick={onClose}>
                Cancel
              </button>
              <button type="submit" className="primary" disabled={!ready || starting || running} title={running ? "one replay at a time: wait for the running one" : undefined}>
                {starting ? "Starting…" : dryRun ? "Start dry run" : "Start replay"}
              </button>
            </div>
          </form>
        )}
      </div>
    </div>
  );
}
