//! The Traffic screen's row store as a pure reducer: the loaded rows (newest first, capped at
//! 100 000), the older-page cursor, live rows arriving (prepended, or held while paused), and
//! the "n new ↑" count for rows that arrived while the user was scrolled down. One dispatch per
//! engine event keeps a burst of exchanges to one render. A fold of rejected requests that grew
//! (same id, a larger `foldCount`) replaces its row in place. `total` is the true number of
//! matching exchanges (totals.ts): the first page's count, plus each newer live row.

import type { ExchangePage, ExchangeSummary } from "../../generated";
import { addLive, tallyOf, type Tally } from "./totals";

/** Most rows kept in memory. */
export const CAP = 100_000;

export interface FeedState {
  rows: ExchangeSummary[];
  nextBefore: number | null;
  loading: boolean;
  loadingMore: boolean;
  paused: boolean;
  /** Live rows held while paused, newest first. */
  pending: ExchangeSummary[];
  /** Rows prepended while the user was scrolled down (the "n new ↑" pill). */
  unseen: number;
  /** Older rows were dropped to stay under CAP. */
  capped: boolean;
  /** Live rows that arrived while a reload ran, newest first: the page may predate them. */
  arrived: ExchangeSummary[];
  /** How many stored exchanges match, kept true live; null when the engine did not say. */
  total: Tally | null;
}

export const INITIAL: FeedState = {
  rows: [],
  nextBefore: null,
  loading: true,
  loadingMore: false,
  paused: false,
  pending: [],
  unseen: 0,
  capped: false,
  arrived: [],
  total: null,
};

export type FeedAction =
  | { type: "loading" }
  | { type: "loaded"; page: ExchangePage }
  | { type: "load-failed" }
  | { type: "loading-more" }
  | { type: "more"; page: ExchangePage }
  /** Live rows (newest first); `tally` when they come with a fresh count (a re-queried page). */
  | { type: "incoming"; rows: ExchangeSummary[]; scrolledDown: boolean; tally?: Tally | null }
  | { type: "pause" }
  | { type: "resume"; scrolledDown: boolean }
  | { type: "seen" };

function cap(rows: ExchangeSummary[]): { rows: ExchangeSummary[]; dropped: boolean } {
  return rows.length > CAP ? { rows: rows.slice(0, CAP), dropped: true } : { rows, dropped: false };
}

/** `rows` with the folds in `grown` replaced by their new state (the same array when none is there). */
function regrow(rows: ExchangeSummary[], grown: Map<number, ExchangeSummary>): ExchangeSummary[] {
  let changed = false;
  const out = rows.map((r) => {
    const g = grown.get(r.id);
    if (g === undefined) return r;
    changed = true;
    return g;
  });
  return changed ? out : rows;
}

/** The newest id known (shown or held). */
function topId(s: FeedState): number {
  return Math.max(s.rows[0]?.id ?? 0, s.pending[0]?.id ?? 0);
}

export function feedReducer(s: FeedState, a: FeedAction): FeedState {
  switch (a.type) {
    case "loading":
      return { ...s, loading: true, arrived: [] };
    case "loaded": {
      // a reload replaces what was shown; held rows are part of what was reloaded, but rows that
      // arrived live after the server read the page are not in it: keep them
      const top = a.page.items[0]?.id ?? 0;
      const later = s.arrived.filter((r) => r.id > top);
      const total = addLive(tallyOf(a.page), later);
      const base = { ...INITIAL, paused: s.paused, loading: false, nextBefore: a.page.nextBefore, total };
      if (s.paused) return { ...base, rows: a.page.items, pending: later };
      const { rows, dropped } = cap(later.concat(a.page.items));
      return { ...base, rows, nextBefore: dropped ? null : a.page.nextBefore, capped: dropped };
    }
    case "load-failed":
      return { ...s, loading: false, loadingMore: false };
    case "loading-more":
      return { ...s, loadingMore: true };
    case "more": {
      const last = s.rows[s.rows.length - 1]?.id ?? Infinity;
      const older = a.page.items.filter((r) => r.id < last);
      const { rows, dropped } = cap(s.rows.concat(older));
      return { ...s, loadingMore: false, rows, nextBefore: dropped ? null : a.page.nextBefore, capped: s.capped || dropped };
    }
    case "incoming": {
      const total = a.tally !== undefined ? a.tally : addLive(s.total, a.rows);
      if (total !== s.total) s = { ...s, total };
      if (s.loading) {
        const newest = s.arrived[0]?.id ?? 0;
        const newer = a.rows.filter((r) => r.id > newest);
        if (newer.length > 0) s = { ...s, arrived: cap(newer.concat(s.arrived)).rows };
      }
      const top = topId(s);
      const grown = new Map(a.rows.filter((r) => r.id <= top && r.foldCount !== undefined).map((r) => [r.id, r]));
      if (grown.size > 0) s = { ...s, rows: regrow(s.rows, grown), pending: regrow(s.pending, grown) };
      const fresh = a.rows.filter((r) => r.id > top);
      if (fresh.length === 0) return s;
      if (s.paused) return { ...s, pending: cap(fresh.concat(s.pending)).rows };
      const { rows, dropped } = cap(fresh.concat(s.rows));
      return {
        ...s,
        rows,
        nextBefore: dropped ? null : s.nextBefore,
        capped: s.capped || dropped,
        unseen: a.scrolledDown ? s.unseen + fresh.length : 0,
      };
    }
    case "pause":
      return { ...s, paused: true };
    case "resume": {
      if (s.pending.length === 0) return { ...s, paused: false };
      const { rows, dropped } = cap(s.pending.concat(s.rows));
      return {
        ...s,
        paused: false,
        pending: [],
        rows,
        nextBefore: dropped ? null : s.nextBefore,
        capped: s.capped || dropped,
        unseen: a.scrolledDown ? s.unseen + s.pending.length : 0,
      };
    }
    case "seen":
      return s.unseen === 0 ? s : { ...s, unseen: 0 };
  }
}
