//! The Traffic screen: every exchange the SCIM listener captured, live, in a hand-virtualised
//! table (100 000 rows scroll smoothly), with filters that live in the URL (shareable links),
//! pause/resume, keyboard navigation, HAR export and a detail pane (traffic/Detail.tsx) that
//! opens a failure on why it failed. Rows are kept newest first; live rows never move what the
//! user is looking at when scrolled down. Above the table, a timeline of outcomes and detected
//! cycles: clicking a cycle scrolls the table to it and marks its rows.
//! The parts live in `views/traffic/` (rows and loading in useTrafficFeed, the toolbar, the
//! timeline, the grid, the detail pane); this file wires the route, selection and keyboard to them.
//! Rows can be ticked (checkbox column, Shift-click for a range, "select all shown", `x` on the
//! active row) and replayed against another SCIM app ("Replay against…", views/replay/).

import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";
import type { Cycle } from "../generated";
import { api } from "../platform";
import { useToast } from "../state/toasts";
import { SimulationStatus, useSimulation } from "../components/SimulationStatus";
import { originOf } from "../curl";
import { ROW_HEIGHT } from "./traffic/ExchangeRow";
import { filterKey, filtersFromParams, isUnfiltered, NO_FILTERS, type Filters } from "./traffic/filters";
import { goToTraffic as go } from "./traffic/navigation";
import { useTrafficFeed } from "./traffic/useTrafficFeed";
import { TrafficToolbar } from "./traffic/TrafficToolbar";
import { ExchangeGrid } from "./traffic/ExchangeGrid";
import { EmptyTraffic } from "./traffic/EmptyTraffic";
import { DetailPane, useDetailWidth } from "./traffic/DetailPane";
import { TimelineStrip } from "./traffic/TimelineStrip";
import type { ViewProps } from "./props";
import { ReplayDialog } from "./replay/ReplayDialog";
import { trafficReplay } from "./replay/fromTraffic";
import { useEngine } from "../state/engine";
import "./traffic.css";

export { ROW_HEIGHT };

export function TrafficView({ param, params }: ViewProps) {
  const filters = useMemo(() => filtersFromParams(params), [params]);
  const key = filterKey(filters);
  const openId = param !== null && /^\d+$/.test(param) ? Number(param) : null;

  const [activeId, setActiveId] = useState<number | null>(openId);
  const [origin, setOrigin] = useState("http://127.0.0.1:8787");
  const [text, setText] = useState(filters.q);
  const sim = useSimulation();
  const [detailWidth, setDetailWidth] = useDetailWidth();

  const gridRef = useRef<HTMLDivElement>(null);
  const filtersRef = useRef(filters);
  filtersRef.current = filters;
  const { feed, all, virt, scrollRef, togglePause, showNewest, reveal } = useTrafficFeed(filtersRef, key);
  const toast = useToast();
  const { down } = useEngine();

  // rows ticked for a replay: cleared when the filters change (a ticked row out of view would
  // be replayed unseen); Shift-click ticks the range from the last box clicked
  const [ticked, setTicked] = useState<ReadonlySet<number>>(() => new Set());
  const anchor = useRef<number | null>(null);
  const rowsRef = useRef(feed.rows);
  rowsRef.current = feed.rows;
  useEffect(() => {
    setTicked(new Set());
    anchor.current = null;
  }, [key]);
  useEffect(() => {
    if (feed.rows.length === 0) setTicked((t) => (t.size === 0 ? t : new Set()));
  }, [feed.rows.length]);
  const onCheck = useCallback((id: number, range: boolean) => {
    const last = range ? anchor.current : null;
    anchor.current = id;
    setTicked((prev) => {
      const next = new Set(prev);
      const on = !prev.has(id);
      const rows = rowsRef.current;
      const from = last !== null ? rows.findIndex((r) => r.id === last) : -1;
      const to = from >= 0 ? rows.findIndex((r) => r.id === id) : -1;
      if (from >= 0 && to >= 0) {
        for (let i = Math.min(from, to); i <= Math.max(from, to); i++) {
          if (on) next.add(rows[i].id);
          else next.delete(rows[i].id);
        }
      } else if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  }, []);
  const onCheckAll = useCallback((on: boolean) => {
    setTicked(on ? new Set(rowsRef.current.map((r) => r.id)) : new Set());
    anchor.current = null;
  }, []);
  const [replaying, setReplaying] = useState<ReturnType<typeof trafficReplay> | null>(null);
  const total = feed.total?.total ?? null;
  const replayChoice = useMemo(() => trafficReplay(ticked, filters, feed.rows, total), [ticked, filters, feed.rows, total]);

  // keep the row the user picked when the route selects one
  useEffect(() => {
    if (openId !== null) setActiveId(openId);
  }, [openId]);

  useEffect(() => {
    api
      .endpoint()
      .then((e) => setOrigin(originOf(e.tenantUrl) || "http://127.0.0.1:8787"))
      .catch(() => {
        // copy-as-curl falls back to the default address
      });
  }, []);

  // free text: typed locally, written to the URL 300 ms after the last key
  useEffect(() => setText(filters.q), [filters.q]);
  useEffect(() => {
    if (text === filters.q) return;
    const t = setTimeout(() => go(openId, { ...filtersRef.current, q: text }, true), 300);
    return () => clearTimeout(t);
  }, [text, filters.q, openId]);

  const setFilter = (patch: Partial<Filters>) => go(openId, { ...filters, ...patch });
  const clearFilters = () => {
    setText("");
    go(openId, NO_FILTERS);
  };

  const open = useCallback((id: number) => {
    setActiveId(id);
    go(id, filtersRef.current);
    gridRef.current?.focus({ preventScroll: true });
  }, []);
  const close = useCallback(() => go(null, filtersRef.current), []);

  const activeIndex = useMemo(
    () => (activeId === null ? -1 : feed.rows.findIndex((r) => r.id === activeId)),
    [activeId, feed.rows],
  );

  const moveTo = (index: number) => {
    if (feed.rows.length === 0) return;
    const i = Math.max(0, Math.min(feed.rows.length - 1, index));
    const id = feed.rows[i].id;
    setActiveId(id);
    virt.scrollToIndex(i);
    if (openId !== null) go(id, filters, true);
  };

  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.target !== e.currentTarget) return;
    const page = Math.max(1, Math.floor(virt.viewportHeight / ROW_HEIGHT) - 1);
    switch (e.key) {
      case "ArrowDown":
      case "j":
        moveTo(activeIndex + 1);
        break;
      case "ArrowUp":
      case "k":
        moveTo(activeIndex < 0 ? 0 : activeIndex - 1);
        break;
      case "PageDown":
        moveTo(activeIndex + page);
        break;
      case "PageUp":
        moveTo(activeIndex - page);
        break;
      case "Home":
        moveTo(0);
        break;
      case "End":
        moveTo(feed.rows.length - 1);
        break;
      case "Enter":
        if (activeIndex >= 0) go(feed.rows[activeIndex].id, filters);
        break;
      case "Escape":
        if (openId !== null) close();
        break;
      case " ":
        togglePause();
        break;
      case "x":
        if (activeIndex >= 0) onCheck(feed.rows[activeIndex].id, e.shiftKey);
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  // Esc closes the detail from anywhere on the screen (not while typing in a field)
  useEffect(() => {
    if (openId === null) return;
    const onDocKey = (e: globalThis.KeyboardEvent) => {
      if (e.key !== "Escape" || e.defaultPrevented || document.querySelector(".modal")) return;
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA")) return;
      close();
    };
    window.addEventListener("keydown", onDocKey);
    return () => window.removeEventListener("keydown", onDocKey);
  }, [openId, close]);

  // a cycle picked on the timeline: its rows are marked and the table lands on its newest one
  const [cycle, setCycle] = useState<Cycle | null>(null);
  const [landOn, setLandOn] = useState<number | null>(null);
  const pickSeq = useRef(0);
  useEffect(() => setCycle(null), [key]);

  const showCycle = async (c: Cycle) => {
    const my = ++pickSeq.current;
    if (cycle && cycle.firstId === c.firstId && cycle.idp === c.idp) {
      setCycle(null);
      return;
    }
    setCycle(c);
    const id = await reveal(c.lastId);
    if (my !== pickSeq.current) return;
    if (id === null || id < c.firstId) {
      toast.info("none of this cycle's exchanges is in the table: clear the filters to see them");
      return;
    }
    setActiveId(id);
    setLandOn(id);
  };

  // scroll once the row is rendered in the rows (an older page may just have been added)
  useLayoutEffect(() => {
    if (landOn === null) return;
    const i = feed.rows.findIndex((r) => r.id === landOn);
    if (i < 0) return;
    const el = scrollRef.current;
    if (el) {
      el.scrollTop = i * ROW_HEIGHT;
      virt.sync();
    }
    setLandOn(null);
    gridRef.current?.focus({ preventScroll: true });
  }, [landOn, feed.rows, scrollRef, virt]);

  const unfiltered = isUnfiltered(filters);
  const activeRowId = activeIndex >= 0 ? `tx-row-${feed.rows[activeIndex].id}` : undefined;

  return (
    <div className="traffic">
      <TrafficToolbar
        filters={filters}
        unfiltered={unfiltered}
        onFilter={setFilter}
        onClearFilters={clearFilters}
        text={text}
        onText={setText}
        feed={feed}
        all={all}
        onTogglePause={togglePause}
        selectedCount={ticked.size}
        onClearSelection={() => onCheckAll(false)}
        onReplay={() => setReplaying(replayChoice)}
        replayTitle={replayChoice.what}
        canReplay={!down && (feed.rows.length > 0 || ticked.size > 0)}
      />
      <SimulationStatus />
      <TimelineStrip picked={cycle} onCycle={(c) => void showCycle(c)} />

      <div className="tx-main">
        <ExchangeGrid
          feed={feed}
          virt={virt}
          gridRef={gridRef}
          scrollRef={scrollRef}
          empty={feed.rows.length === 0 ? <EmptyTraffic feed={feed} unfiltered={unfiltered} sim={sim} onClearFilters={clearFilters} /> : null}
          activeId={activeId}
          openId={openId}
          activeRowId={activeRowId}
          onKeyDown={onKey}
          onPick={open}
          onNewPill={showNewest}
          cycle={cycle}
          selected={ticked}
          onCheck={onCheck}
          onCheckAll={onCheckAll}
        />
        {openId !== null ? (
          <DetailPane
            openId={openId}
            origin={origin}
            width={detailWidth}
            onWidth={setDetailWidth}
            onClose={close}
            onOnlyResource={(resource) => {
              setText(filters.q);
              go(openId, { ...filters, resource });
            }}
          />
        ) : null}
      </div>
      {replaying ? <ReplayDialog selection={replaying.selection} what={replaying.what} onClose={() => setReplaying(null)} /> : null}
    </div>
  );
}
