//! The Traffic screen's rows, wired to the engine: the first page for the current filters
//! (again on filter change, reset and resync), live exchanges that match (a free-text view
//! re-queries instead, 500 ms after traffic), older pages as the user nears the end, the
//! scroll position held still when rows are prepended while scrolled down, and the "n new"
//! pill cleared at the top. A load superseded by a newer one is ignored. It also keeps the
//! unfiltered total while filters are set (one 1-row page, then live rows: "312 of 5,450"), and
//! `reveal(id)` loads older pages until an exchange is in the rows (a cycle picked on the
//! timeline).

import { useCallback, useEffect, useLayoutEffect, useReducer, useRef, useState, type RefObject } from "react";
import type { ExchangeSummary } from "../../generated";
import { api } from "../../platform";
import { useEngineEvent } from "../../state/engine";
import { useToast } from "../../state/toasts";
import { ROW_HEIGHT } from "./ExchangeRow";
import { CAP, feedReducer, INITIAL } from "./feed";
import { isUnfiltered, matches, toApiFilters, type Filters } from "./filters";
import { addLive, tallyOf, type Tally } from "./totals";
import { useVirtualRows } from "../../components/virtual";

/** Rows per page asked of the engine. */
const PAGE = 500;
/** Most pages `reveal` loads for one exchange (10 000 rows). */
const REVEAL_PAGES = 20;

/**
 * `filtersRef` holds the filters in force (read when a load starts); `key` changes whenever
 * they do, which reloads.
 */
export function useTrafficFeed(filtersRef: RefObject<Filters>, key: string) {
  const toast = useToast();
  const [feed, dispatch] = useReducer(feedReducer, INITIAL);
  const scrollRef = useRef<HTMLDivElement>(null);
  const virt = useVirtualRows(scrollRef, feed.rows.length, ROW_HEIGHT);
  const seq = useRef(0);
  const moreInFlight = useRef(false);
  const feedRef = useRef(feed);
  feedRef.current = feed;
  /** The unfiltered total, known only while filters are set. */
  const [all, setAll] = useState<Tally | null>(null);

  const load = useCallback(() => {
    const my = ++seq.current;
    moreInFlight.current = false;
    dispatch({ type: "loading" });
    setAll(null);
    if (!isUnfiltered(filtersRef.current)) {
      api
        .exchanges({}, null, 1)
        .then((page) => {
          if (my === seq.current) setAll(tallyOf(page));
        })
        .catch(() => {
          // the counter then says the filtered total alone
        });
    }
    api
      .exchanges(toApiFilters(filtersRef.current), null, PAGE)
      .then((page) => {
        if (my !== seq.current) return;
        dispatch({ type: "loaded", page });
        if (scrollRef.current) scrollRef.current.scrollTop = 0;
      })
      .catch((e) => {
        if (my !== seq.current) return;
        dispatch({ type: "load-failed" });
        toast.error(e);
      });
  }, [toast, filtersRef]);

  useEffect(load, [key, load]);

  const scrolledDown = () => (scrollRef.current?.scrollTop ?? 0) > ROW_HEIGHT / 2;

  // free-text views cannot be judged client-side: re-query the first page 500 ms after traffic
  const requery = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (requery.current) clearTimeout(requery.current);
    },
    [key],
  );

  useEngineEvent((e) => {
    if (e.type === "exchange.recorded") {
      setAll((t) => addLive(t, e.exchanges));
      const f = filtersRef.current;
      if (f.q) {
        if (requery.current) clearTimeout(requery.current);
        const my = seq.current;
        requery.current = setTimeout(() => {
          api
            .exchanges(toApiFilters(f), null, PAGE)
            .then((page) => {
              if (my === seq.current) dispatch({ type: "incoming", rows: page.items, scrolledDown: scrolledDown(), tally: tallyOf(page) });
            })
            .catch((err) => {
              if (my === seq.current) toast.error(err);
            });
        }, 500);
        return;
      }
      const fresh: ExchangeSummary[] = [];
      for (let i = e.exchanges.length - 1; i >= 0; i--) {
        if (matches(e.exchanges[i], f)) fresh.push(e.exchanges[i]);
      }
      if (fresh.length > 0) dispatch({ type: "incoming", rows: fresh, scrolledDown: scrolledDown() });
    } else if (e.type === "reset" || e.type === "resync") {
      load();
    }
  });

  // keep the visible rows in place when rows are prepended while scrolled down
  const prevFirst = useRef<number | null>(null);
  useLayoutEffect(() => {
    const first = feed.rows[0]?.id ?? null;
    const before = prevFirst.current;
    prevFirst.current = first;
    const el = scrollRef.current;
    if (!el || before === null || first === null || first === before) return;
    if (el.scrollTop <= ROW_HEIGHT / 2) return;
    let added = 0;
    const limit = Math.min(feed.rows.length, CAP);
    while (added < limit && feed.rows[added].id !== before) added++;
    if (added === limit) return;
    el.scrollTop += added * ROW_HEIGHT;
    virt.sync();
  }, [feed.rows, virt.sync]);

  // reaching the top clears the "n new" pill
  useEffect(() => {
    if (feed.unseen > 0 && virt.scrollTop <= ROW_HEIGHT / 2) dispatch({ type: "seen" });
  }, [virt.scrollTop, feed.unseen]);

  // load older pages when the user nears the end
  useEffect(() => {
    if (feed.loading || feed.nextBefore === null || moreInFlight.current || feed.rows.length >= CAP) return;
    if (virt.end < feed.rows.length - 100) return;
    moreInFlight.current = true;
    const my = seq.current;
    dispatch({ type: "loading-more" });
    api
      .exchanges(toApiFilters(filtersRef.current), feed.nextBefore, PAGE)
      .then((page) => {
        if (my === seq.current) dispatch({ type: "more", page });
      })
      .catch((e) => {
        if (my !== seq.current) return;
        dispatch({ type: "load-failed" });
        toast.error(e);
      })
      .finally(() => {
        if (my === seq.current) moreInFlight.current = false;
      });
  }, [virt.end, feed.rows.length, feed.nextBefore, feed.loading, toast, filtersRef]);

  const togglePause = () => {
    if (feed.paused) dispatch({ type: "resume", scrolledDown: scrolledDown() });
    else dispatch({ type: "pause" });
  };

  /** The "n new ↑" pill: back to the top and mark the new rows seen. */
  const showNewest = () => {
    if (scrollRef.current) scrollRef.current.scrollTop = 0;
    virt.sync();
    dispatch({ type: "seen" });
  };

  /**
   * Load older pages until the newest exchange at or before `id` is in the rows (at most
   * REVEAL_PAGES pages); answers that row's id, or null when no such row matches the filters
   * (or the view was reloaded meanwhile).
   */
  const reveal = useCallback(
    async (id: number): Promise<number | null> => {
      const my = seq.current;
      const found = (rows: { id: number }[]) => rows.find((r) => r.id <= id)?.id ?? null;
      let rows = feedRef.current.rows;
      let before = feedRef.current.nextBefore;
      if (found(rows) !== null || before === null) return found(rows);
      moreInFlight.current = true;
      try {
        for (let n = 0; n < REVEAL_PAGES && before !== null && found(rows) === null && rows.length < CAP; n++) {
          dispatch({ type: "loading-more" });
          const page = await api.exchanges(toApiFilters(filtersRef.current), before, PAGE);
          if (my !== seq.current) return null;
          dispatch({ type: "more", page });
          rows = rows.concat(page.items);
          before = page.nextBefore;
        }
      } catch (e) {
        if (my === seq.current) {
          dispatch({ type: "load-failed" });
          toast.error(e);
        }
        return null;
      } finally {
        if (my === seq.current) moreInFlight.current = false;
      }
      return found(rows);
    },
    [filtersRef, toast],
  );

  return { feed, all, virt, scrollRef, togglePause, showNewest, reveal };
}
