//! The Traffic screen: every exchange the SCIM listener captured, live, in a hand-virtualised
//! table (100 000 rows scroll smoothly), with filters that live in the URL (shareable links),
//! pause/resume, keyboard navigation, HAR export and a detail pane (traffic/Detail.tsx). Rows are
//! kept newest first; live rows never move what the user is looking at when scrolled down.

import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useReducer, useRef, useState, type KeyboardEvent, type PointerEvent as ReactPointerEvent } from "react";
import type { ExchangeSummary, OperationKind } from "../generated";
import { api, host } from "../platform";
import { useEngineEvent } from "../state/engine";
import { href } from "../state/route";
import { useToast } from "../state/toasts";
import { EmptyState } from "../components/EmptyState";
import { SimulationStatus, useSimulation } from "../components/SimulationStatus";
import { IdpBadge, QuirkBadge, StatusBadge } from "../components/Badges";
import { clock, latency, OPERATIONS, operationLabel } from "../format";
import { originOf } from "../curl";
import { useVirtualRows } from "./traffic/virtual";
import { feedReducer, INITIAL, CAP } from "./traffic/feed";
import {
  filterKey,
  filtersFromParams,
  filtersToParams,
  IDPS,
  isUnfiltered,
  matches,
  METHODS,
  NO_FILTERS,
  STATUS_CLASSES,
  toApiFilters,
  type Filters,
} from "./traffic/filters";
import { ExchangeDetail } from "./traffic/Detail";
import type { ViewProps } from "./props";
import "./traffic.css";

export const ROW_HEIGHT = 30;
const PAGE = 500;
const DETAIL_WIDTH_KEY = "scimlab.traffic.detailWidth";
const IDP_LABEL: Record<string, string> = { entra: "Entra ID", okta: "Okta", other: "other" };

/** Go to `#/traffic[/id]?filters`; `replace` keeps keyboard browsing out of the history. */
function go(id: number | null, f: Filters, replace = false) {
  const h = href("traffic", id, filtersToParams(f));
  if (replace) {
    window.history.replaceState(window.history.state, "", h);
    window.dispatchEvent(new HashChangeEvent("hashchange"));
  } else {
    window.location.hash = h;
  }
}

const Row = memo(function Row({
  row,
  active,
  open,
  onPick,
}: {
  row: ExchangeSummary;
  active: boolean;
  open: boolean;
  onPick: (id: number) => void;
}) {
  const full = row.query ? `${row.path}?${row.query}` : row.path;
  const extra = row.quirks.length - 2;
  return (
    <div
      role="row"
      id={`tx-row-${row.id}`}
      aria-selected={active}
      className={`tx-row${active ? " active" : ""}${open ? " open" : ""}${row.status >= 400 ? " failed" : ""}`}
      data-testid="exchange-row"
      data-id={row.id}
      onClick={() => onPick(row.id)}
    >
      <span role="gridcell" className="tx-c-time mono">
        {clock(row.at)}
      </span>
      <span role="gridcell" className="tx-c-idp">
        <IdpBadge idp={row.idp} />
      </span>
      <span role="gridcell" className="tx-c-op">
        {operationLabel(row.operation)}
      </span>
      <span role="gridcell" className="tx-c-method mono">
        {row.method}
      </span>
      <span role="gridcell" className="tx-c-path mono" title={full}>
        {full}
      </span>
      <span role="gridcell" className="tx-c-status">
        <StatusBadge status={row.status} />
      </span>
      <span role="gridcell" className="tx-c-latency mono">
        {latency(row.latencyMs)}
      </span>
      <span role="gridcell" className="tx-c-resource" title={row.resourceName ?? undefined}>
        {row.resourceName ?? ""}
      </span>
      <span role="gridcell" className="tx-c-quirks" title={row.quirks.join("\n") || undefined}>
        {row.quirks.slice(0, 2).map((q) => (
          <QuirkBadge key={q} label={q} />
        ))}
        {extra > 0 ? <span className="badge neutral">+{extra}</span> : null}
      </span>
    </div>
  );
});

function Select<T extends string>({
  label,
  value,
  options,
  onChange,
  render,
}: {
  label: string;
  value: T | "";
  options: readonly T[];
  onChange: (v: T | "") => void;
  render?: (v: T) => string;
}) {
  return (
    <label className={`tx-filter${value ? " set" : ""}`}>
      <span>{label}</span>
      <select value={value} onChange={(e) => onChange(e.target.value as T | "")} aria-label={label}>
        <option value="">all</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {render ? render(o) : o}
          </option>
        ))}
      </select>
    </label>
  );
}

export function TrafficView({ param, params }: ViewProps) {
  const toast = useToast();
  const filters = useMemo(() => filtersFromParams(params), [params]);
  const key = filterKey(filters);
  const openId = param !== null && /^\d+$/.test(param) ? Number(param) : null;

  const [feed, dispatch] = useReducer(feedReducer, INITIAL);
  const [activeId, setActiveId] = useState<number | null>(openId);
  const [origin, setOrigin] = useState("http://127.0.0.1:8787");
  const [text, setText] = useState(filters.q);
  const [exporting, setExporting] = useState(false);
  const sim = useSimulation();
  const [detailWidth, setDetailWidth] = useState(() => {
    let n = NaN;
    try {
      n = Number(localStorage.getItem(DETAIL_WIDTH_KEY) ?? NaN);
    } catch {
      // storage unavailable: the default width
    }
    return Number.isFinite(n) && n >= 320 ? n : 520;
  });

  const scrollRef = useRef<HTMLDivElement>(null);
  const gridRef = useRef<HTMLDivElement>(null);
  const virt = useVirtualRows(scrollRef, feed.rows.length, ROW_HEIGHT);
  const filtersRef = useRef(filters);
  filtersRef.current = filters;
  const seq = useRef(0);
  const moreInFlight = useRef(false);

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
  }, [toast]);

  useEffect(load, [key, load]);

  // free text: typed locally, written to the URL 300 ms after the last key
  useEffect(() => setText(filters.q), [filters.q]);
  useEffect(() => {
    if (text === filters.q) return;
    const t = setTimeout(() => go(openId, { ...filtersRef.current, q: text }, true), 300);
    return () => clearTimeout(t);
  }, [text, filters.q, openId]);

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
  }, [virt.end, feed.rows.length, feed.nextBefore, feed.loading, toast]);

  const setFilter = (patch: Partial<Filters>) => go(openId, { ...filters, ...patch });
  const clearFilters = () => {
    setText("");
    go(openId, NO_FILTERS);
  };

  const togglePause = () => {
    if (feed.paused) dispatch({ type: "resume", scrolledDown: scrolledDown() });
    else dispatch({ type: "pause" });
  };

  const open = useCallback(
    (id: number) => {
      setActiveId(id);
      go(id, filtersRef.current);
      gridRef.current?.focus({ preventScroll: true });
    },
    [],
  );
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

  const exportHar = async () => {
    setExporting(true);
    try {
      const har = await api.exportHar(toApiFilters(filters));
      const where = await host.saveFile("scimlab-traffic.har", har, "application/json");
      if (where) toast.info(`HAR saved to ${where}`);
    } catch (e) {
      toast.error(e);
    } finally {
      setExporting(false);
    }
  };

  const startResize = (e: ReactPointerEvent<HTMLDivElement>) => {
    e.preventDefault();
    const startX = e.clientX;
    const startW = detailWidth;
    let w = startW;
    const onMove = (m: PointerEvent) => {
      w = Math.max(320, Math.min(window.innerWidth - 420, startW + (startX - m.clientX)));
      setDetailWidth(w);
    };
    const onUp = () => {
      window.removeEventListener("pointermove", onMove);
      window.removeEventListener("pointerup", onUp);
      try {
        localStorage.setItem(DETAIL_WIDTH_KEY, String(Math.round(w)));
      } catch {
        // not remembered
      }
    };
    window.addEventListener("pointermove", onMove);
    window.addEventListener("pointerup", onUp);
  };

  const unfiltered = isUnfiltered(filters);
  const visible = feed.rows.slice(virt.start, virt.end);
  const activeRowId = activeIndex >= 0 ? `tx-row-${feed.rows[activeIndex].id}` : undefined;

  let body;
  if (feed.rows.length === 0 && feed.loading) {
    body = <div className="tx-loading muted">loading traffic…</div>;
  } else if (feed.rows.length === 0 && unfiltered) {
    body = (
      <EmptyState title="No traffic yet">
        <p>
          Point your IdP at ScimLab — the <a href={href("connect")}>Connect</a> screen has the URL, the key and the steps —
          or let ScimLab play the IdP: run <code>scimlab simulate entra</code>, or
        </p>
        <div className="row tx-empty-actions">
          <button className="primary" disabled={sim.busy} onClick={() => void sim.start("entra")}>
            Simulate an Entra ID cycle
          </button>
          <button disabled={sim.busy} onClick={() => void sim.start("okta")}>
            Simulate an Okta cycle
          </button>
        </div>
        <p className="muted">Requests appear here the moment they arrive.</p>
      </EmptyState>
    );
  } else if (feed.rows.length === 0) {
    body = (
      <EmptyState title="No exchange matches these filters">
        <p>{feed.paused && feed.pending.length > 0 ? `${feed.pending.length} new exchanges are held while paused. ` : ""}Live traffic that matches will appear here.</p>
        <button onClick={clearFilters}>Clear filters</button>
      </EmptyState>
    );
  } else {
    body = null;
  }

  return (
    <div className="traffic">
      <div className="tx-toolbar" role="toolbar" aria-label="traffic filters">
        <Select label="IdP" value={filters.idp} options={IDPS} onChange={(v) => setFilter({ idp: v })} render={(v) => IDP_LABEL[v]} />
        <Select<OperationKind> label="Operation" value={filters.operation} options={OPERATIONS} onChange={(v) => setFilter({ operation: v })} render={operationLabel} />
        <Select label="Status" value={filters.status} options={STATUS_CLASSES} onChange={(v) => setFilter({ status: v })} />
        <Select label="Method" value={(METHODS.includes(filters.method) ? filters.method : "") as string} options={METHODS} onChange={(v) => setFilter({ method: v })} />
        {filters.resource ? (
          <span className="tx-chip" title={`only exchanges that touched ${filters.resource}`}>
            resource <span className="mono">{filters.resource.length > 14 ? `${filters.resource.slice(0, 13)}…` : filters.resource}</span>
            <button className="ghost small" aria-label="remove the resource filter" onClick={() => setFilter({ resource: "" })}>
              ×
            </button>
          </span>
        ) : null}
        <input
          className="tx-search"
          type="search"
          placeholder="search paths and bodies…"
          aria-label="free text"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        {!unfiltered ? (
          <button className="ghost small" onClick={clearFilters}>
            clear
          </button>
        ) : null}
        <div className="tx-actions">
          <span className="tx-count muted" aria-live="polite">
            {feed.rows.length.toLocaleString()}
            {feed.nextBefore !== null ? "+" : ""} {feed.rows.length === 1 ? "exchange" : "exchanges"}
            {feed.capped ? ` (newest ${CAP.toLocaleString()})` : ""}
          </span>
          <button
            className={`tx-pause${feed.paused ? " paused" : ""}`}
            onClick={togglePause}
            aria-pressed={feed.paused}
            title={feed.paused ? "apply the held exchanges and follow live traffic (Space)" : "hold new exchanges (Space)"}
          >
            {feed.paused ? "▶ Resume" : "❚❚ Pause"}
            {feed.paused && feed.pending.length > 0 ? (
              <span className="badge warn tx-pending" data-testid="pending-count">
                {feed.pending.length.toLocaleString()} new
              </span>
            ) : null}
          </button>
          <button onClick={exportHar} disabled={exporting} title="the exchanges matching these filters as a HAR file (redacted)">
            {exporting ? "Exporting…" : "Export HAR"}
          </button>
        </div>
      </div>
      <SimulationStatus />

      <div className="tx-main">
        <div
          className={`tx-grid${openId !== null ? " narrow" : ""}`}
          role="grid"
          aria-label="captured exchanges"
          aria-rowcount={feed.rows.length + 1}
          aria-activedescendant={activeRowId}
          tabIndex={0}
          ref={gridRef}
          onKeyDown={onKey}
        >
          <div className="tx-head" role="row">
            <span role="columnheader" className="tx-c-time">time</span>
            <span role="columnheader" className="tx-c-idp">IdP</span>
            <span role="columnheader" className="tx-c-op">operation</span>
            <span role="columnheader" className="tx-c-method">method</span>
            <span role="columnheader" className="tx-c-path">path</span>
            <span role="columnheader" className="tx-c-status">status</span>
            <span role="columnheader" className="tx-c-latency">latency</span>
            <span role="columnheader" className="tx-c-resource">resource</span>
            <span role="columnheader" className="tx-c-quirks">quirks</span>
          </div>
          <div className="tx-scroll" ref={scrollRef} role="rowgroup">
            {body ?? (
              <div className="tx-sizer" style={{ height: virt.total }}>
                <div className="tx-window" style={{ transform: `translateY(${virt.offset}px)` }}>
                  {visible.map((r) => (
                    <Row key={r.id} row={r} active={r.id === activeId} open={r.id === openId} onPick={open} />
                  ))}
                </div>
              </div>
            )}
            {feed.loadingMore ? <div className="tx-more muted">loading older exchanges…</div> : null}
          </div>
          {feed.unseen > 0 ? (
            <button
              className="tx-new-pill"
              onClick={() => {
                if (scrollRef.current) scrollRef.current.scrollTop = 0;
                virt.sync();
                dispatch({ type: "seen" });
              }}
            >
              {feed.unseen.toLocaleString()} new ↑
            </button>
          ) : null}
        </div>
        {openId !== null ? (
          <>
            <div
              className="tx-resizer"
              role="separator"
              aria-orientation="vertical"
              aria-label="resize the detail (← / →)"
              aria-valuenow={Math.round(detailWidth)}
              tabIndex={0}
              onPointerDown={startResize}
              onKeyDown={(e) => {
                if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
                e.preventDefault();
                const w = Math.max(320, Math.min(window.innerWidth - 420, detailWidth + (e.key === "ArrowLeft" ? 40 : -40)));
                setDetailWidth(w);
                try {
                  localStorage.setItem(DETAIL_WIDTH_KEY, String(Math.round(w)));
                } catch {
                  // not remembered
                }
              }}
            />
            <div className="tx-detail-wrap" style={{ width: detailWidth }}>
              <ExchangeDetail
                id={openId}
                origin={origin}
                onClose={close}
                onOnlyResource={(resource) => {
                  setText(filters.q);
                  go(openId, { ...filters, resource });
                }}
              />
            </div>
          </>
        ) : null}
      </div>
    </div>
  );
}
