//! The Traffic screen's rows, wired to the engine: the first page for the current filters
//! (again on filter change, reset and resync), live exchanges that match (a free-text view
//! re-queries instead, 500 ms after traffic), older pages as the user nears the end, the
//! scroll position held still when rows are prepended while scrolled down, and the "n new"
//! pill cleared at the top. A load superseded by a newer one is ignored.

import { useCallback, useEffect, useLayoutEffect, useReducer, useRef, type RefObject } from "react";
import type { ExchangeSummary } from "../../generated";
import { api } from "../../platform";
import { useEngineEvent } from "../../state/engine";
import { useToast } from "../../state/toasts";
import { ROW_HEIGHT } from "./ExchangeRow";
import { CAP, feedReducer, INITIAL } from "./feed";
import { matches, toApiFilters, type Filters } from "./filters";
import { useVirtualRows } from "./virtual";

/** Rows per page asked of the engine. */
const PAGE = 500;

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

  const load = useCallback(() => {
    const my = ++seq.current;
    moreInFlight.current = false;
    dispatch({ type: "loading" });
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
      const f = filtersRef.current;
      if (f.q) {
        if (requery.current) clearTimeout(requery.current);
        const my = seq.current;
        requery.current = setTimeout(() => {
          api
            .exchanges(toApiFilters(f), null, PAGE)
            .then((page) => {
              if (my === seq.current) dispatch({ type: "incoming", rows: page.items, scrolledDown: scrolledDown() });
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

  return { feed, virt, scrollRef, togglePause, showNewest };
}
