//! The failure the Connect screen keeps pinned ("Last failure"): the newest exchange answered
//! 400 or more, kept while other requests — failing or not — come and go, replaced by a later
//! failure, and cleared only by a later success (2xx), which leaves "fixed at HH:MM:SS". Read on
//! open and on resync (newest 4xx, 5xx and 2xx), then followed live; the pinned exchange's
//! detail (auth outcome and diagnosis) is read once the stream settles for a moment.
//! `applyExchanges` is the pure rule (unit-tested in Connect.test.tsx).

import { useCallback, useEffect, useRef, useState } from "react";
import type { ExchangeDetail, ExchangeSummary } from "../../generated";
import { api, currentWorkspace } from "../../platform";
import { useEngineEvent, useReportError } from "../../state/engine";

/** A success that ended a pinned failure. */
export interface Fixed {
  failure: ExchangeSummary;
  /** When the success arrived (RFC 3339). */
  at: string;
}

export interface FailureState {
  failure: ExchangeSummary | null;
  fixed: Fixed | null;
}

export const NO_FAILURE: FailureState = { failure: null, fixed: null };

/** When an exchange last happened: a fold of refused requests by its latest one. */
function lastTime(s: ExchangeSummary): number {
  return Date.parse(s.lastAt ?? s.at);
}

/** Whether `a` happened after `b` (time, then id). */
function after(a: ExchangeSummary, b: ExchangeSummary): boolean {
  const ta = lastTime(a);
  const tb = lastTime(b);
  return ta !== tb ? ta > tb : a.id > b.id;
}

/** The state after `exchanges` arrived, oldest first (a grown fold comes again with its id). */
export function applyExchanges(state: FailureState, exchanges: ExchangeSummary[]): FailureState {
  let { failure, fixed } = state;
  for (const x of exchanges) {
    if (x.status >= 400) {
      // a later failure (or the pinned fold growing) replaces the pinned one; an older one, re-announced, does not
      if (failure === null ? !fixed || lastTime(x) > Date.parse(fixed.at) || x.id > fixed.failure.id : x.id === failure.id || after(x, failure)) {
        failure = x;
        fixed = null;
      }
    } else if (x.status >= 200 && x.status < 300 && failure !== null && after(x, failure)) {
      fixed = { failure, at: x.at };
      failure = null;
    }
  }
  return failure === state.failure && fixed === state.fixed ? state : { failure, fixed };
}

// the last fix of each workspace, kept while the app runs: coming back to Connect still says
// "fixed at" (per workspace: exchange ids are each workspace's own)
const fixes = new Map<string, Fixed>();
const remembered = (): Fixed | null => fixes.get(currentWorkspace().slug) ?? null;
const remember = (fixed: Fixed | null) => {
  if (fixed) fixes.set(currentWorkspace().slug, fixed);
  else fixes.delete(currentWorkspace().slug);
};

export function useLastFailure(): FailureState & { detail: ExchangeDetail | null } {
  const report = useReportError();
  const [state, setState] = useState<FailureState>(NO_FAILURE);
  const [detail, setDetail] = useState<ExchangeDetail | null>(null);
  const liveChanges = useRef(0);

  const check = useCallback(() => {
    const asked = liveChanges.current;
    Promise.all([api.exchanges({ status: "4xx" }, null, 1), api.exchanges({ status: "5xx" }, null, 1), api.exchanges({ status: "2xx" }, null, 1)])
      .then(([c4, c5, c2]) => {
        if (liveChanges.current !== asked) return; // the stream moved on meanwhile: it knows better
        const f4 = c4?.items?.find((x) => x.status >= 400);
        const f5 = c5?.items?.find((x) => x.status >= 400);
        const failure = f4 && f5 ? (after(f4, f5) ? f4 : f5) : (f4 ?? f5 ?? null);
        const success = c2?.items?.find((x) => x.status >= 200 && x.status < 300) ?? null;
        if (failure && (!success || after(failure, success))) setState({ failure, fixed: null });
        else if (failure && remembered()?.failure.id === failure.id) setState({ failure: null, fixed: remembered() });
        else setState(NO_FAILURE);
      })
      .catch(report);
  }, [report]);

  useEffect(check, [check]);

  useEngineEvent((e) => {
    if (e.type === "exchange.recorded" && e.exchanges.length > 0) {
      liveChanges.current += 1;
      setState((cur) => {
        const next = applyExchanges(cur, e.exchanges);
        if (next.fixed && next.fixed !== cur.fixed) remember(next.fixed);
        return next;
      });
    } else if (e.type === "reset") {
      liveChanges.current += 1;
      remember(null);
      setState(NO_FAILURE);
    } else if (e.type === "resync") {
      check();
    }
  });

  // why it failed needs the whole exchange: read it once the pinned one holds still for a moment
  const failureId = state.failure?.id;
  useEffect(() => {
    if (failureId === undefined) return;
    let live = true;
    const t = setTimeout(() => {
      api
        .exchange(failureId)
        .then((x) => live && setDetail(x))
        .catch(() => {
          // dropped by retention or a reset meanwhile: the status still tells the story
        });
    }, 250);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [failureId]);

  return { ...state, detail: detail && detail.id === failureId ? detail : null };
}
