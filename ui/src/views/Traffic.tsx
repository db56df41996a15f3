//! The Traffic screen: every exchange the SCIM listener captured, live, in a hand-virtualised
//! table (100 000 rows scroll smoothly), with filters that live in the URL (shareable links),
//! pause/resume, keyboard navigation, HAR export and a detail pane (traffic/Detail.tsx) that
//! opens a failure on why it failed. Rows are kept newest first; live rows never move what the
//! user is looking at when scrolled down. Above the table, a timeline of outcomes and detected
//! cycles: clicking a cycle scrolls the table to it and marks its rows.
//! The parts live in `views/traffic/` (rows and loading in useTrafficFeed, the toolbar, the
//! timeline, the grid, the detail pane); this file wires the route, selection and keyboard to them.

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
    </div>
  );
}
