//! The picture of provisioning above the Traffic table: a small inline SVG (no charting
//! library) of requests per time bucket, stacked by outcome (ok / 4xx / 5xx / refused, the
//! colours of the status pills, with a legend), and the IdPs' detected cycles as bands. Hovering
//! or focusing a cycle says what it was ("Entra ID cycle at 14:02 — 37 creates, 3 updates, 2
//! failed"); clicking it (or Enter) hands it to the owner, which scrolls the table to it (and
//! unmarks it on a second click).
//! Drawn in pixels at the plot's measured width. Collapsible (remembered); at most ~62 px tall
//! so the table keeps a 576 px screen. Data from
//! useTimeline.ts, geometry and words from timeline.ts.

import { useId, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent, type RefObject } from "react";
import type { Cycle } from "../../generated";
import { axisLabel, layoutTimeline, OUTCOME_LABEL, type Outcome } from "./timeline";
import { useTimeline } from "./useTimeline";

const OPEN_KEY = "scimlab.traffic.timeline";
/** The plot's height and its cycle caps', in pixels. */
const H = 44;
const CAP = 5;
/** jsdom measures 0: assume a plot this wide. */
const FALLBACK_WIDTH = 600;

/** The width of `ref`'s element in pixels, followed as it changes. */
function useWidth(ref: RefObject<HTMLElement | null>, active: boolean): number {
  const [width, setWidth] = useState(FALLBACK_WIDTH);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setWidth(Math.round(el.clientWidth) || FALLBACK_WIDTH);
    measure();
    if (typeof ResizeObserver === "undefined") return;
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [ref, active]);
  return width;
}

function useRememberedOpen(): [boolean, (open: boolean) => void] {
  const [open, setOpen] = useState(() => {
    try {
      return localStorage.getItem(OPEN_KEY) !== "closed";
    } catch {
      return true;
    }
  });
  const set = (next: boolean) => {
    setOpen(next);
    try {
      if (next) localStorage.removeItem(OPEN_KEY);
      else localStorage.setItem(OPEN_KEY, "closed");
    } catch {
      // remembered for this page only
    }
  };
  return [open, set];
}

const LEGEND: Outcome[] = ["ok", "clientError", "serverError", "refused"];

export function TimelineStrip({
  picked,
  onCycle,
}: {
  /** The cycle the table marks, or null. */
  picked: Cycle | null;
  /** A cycle was clicked (the owner scrolls the table to it, or unmarks it when it was picked). */
  onCycle: (cycle: Cycle) => void;
}) {
  const [open, setOpen] = useRememberedOpen();
  const timeline = useTimeline(open);
  const [hover, setHover] = useState<number | null>(null);
  const hatch = `tx-hatch-${useId().replace(/[^A-Za-z0-9_-]/g, "")}`;
  const plotRef = useRef<HTMLDivElement>(null);
  const hasData = timeline !== null && timeline.buckets.length > 0;
  const W = useWidth(plotRef, open && hasData);
  const layout = useMemo(() => (timeline ? layoutTimeline(timeline, W, H, CAP) : null), [timeline, W]);

  // loading: hold the strip's place so the table does not jump down under the pointer
  if (open && timeline === null) return <section className="tx-timeline loading" aria-label="timeline" aria-busy="true" data-testid="timeline" />;
  if (open && (!layout || layout.bars.length === 0)) return null;

  const tip = hover !== null && layout ? layout.cycles[hover] : undefined;
  // the tooltip slides along its anchor as the anchor slides along the plot: never past an edge
  const tipAt = tip ? Math.min(100, Math.max(0, ((tip.x + tip.w / 2) / W) * 100)) : 0;
  const key = (cycle: Cycle) => (e: KeyboardEvent) => {
    if (e.key !== "Enter" && e.key !== " ") return;
    e.preventDefault();
    onCycle(cycle);
  };
  const failedCycles = layout?.cycles.filter((c) => c.cycle.failed > 0).length ?? 0;

  return (
    <section className={`tx-timeline${open ? "" : " closed"}`} aria-label="timeline" data-testid="timeline">
      <div className="tx-tl-side">
        <div className="tx-tl-title">
          <button
            type="button"
            className="ghost small tx-tl-toggle"
            aria-expanded={open}
            onClick={() => setOpen(!open)}
            title={open ? "hide the timeline" : "show the timeline"}
          >
            {open ? "▾" : "▸"} Timeline
          </button>
          {open && timeline && layout ? (
            <span className="tx-tl-axis muted" data-testid="timeline-axis">
              {axisLabel(timeline)}
            </span>
          ) : null}
        </div>
        {open ? (
          <div className="tx-tl-legend" aria-label="legend">
            {LEGEND.map((o) => (
              <span key={o} className="tx-tl-key">
                <i className={`tx-sw tx-sw-${o}`} aria-hidden="true" />
                {OUTCOME_LABEL[o]}
              </span>
            ))}
            <span className="tx-tl-key">
              <i className="tx-sw tx-sw-cycle" aria-hidden="true" />
              cycle
            </span>
          </div>
        ) : null}
      </div>
      {open && layout ? (
        <div className="tx-tl-plot" ref={plotRef}>
          <svg
            viewBox={`0 0 ${W} ${H}`}
            preserveAspectRatio="none"
            role="group"
            aria-label={`requests over time; ${layout.cycles.length} cycles detected${failedCycles ? `, ${failedCycles} with failures` : ""}`}
            data-testid="timeline-svg"
          >
            <defs>
              <pattern id={hatch} patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">
                <rect width="6" height="6" className="tx-tl-hatch-bg" />
                <rect width="2.5" height="6" className="tx-tl-hatch-line" />
              </pattern>
            </defs>
            <g className="tx-tl-bars">
              {layout.bars.map((b, i) => (
                <g key={i} data-testid="timeline-bar">
                  <title>{b.label}</title>
                  <rect x={b.x} y={0} width={b.w} height={H} className="tx-tl-hit" />
                  {b.segments.map((s) => (
                    <rect
                      key={s.outcome}
                      x={b.x}
                      y={s.y}
                      width={b.w}
                      height={s.h}
                      className={`tx-tl-${s.outcome}`}
                      fill={s.outcome === "refused" ? `url(#${hatch})` : undefined}
                    />
                  ))}
                </g>
              ))}
            </g>
            {layout.cycles.map((c, i) => (
              <g
                key={`${c.cycle.firstId}-${c.cycle.idp}`}
                className={`tx-tl-cycle idp-${c.cycle.idp}${c.cycle.failed > 0 ? " failed" : ""}${
                  picked && picked.firstId === c.cycle.firstId && picked.idp === c.cycle.idp ? " picked" : ""
                }`}
                role="button"
                tabIndex={0}
                aria-label={c.label}
                data-testid="timeline-cycle"
                onMouseEnter={() => setHover(i)}
                onMouseLeave={() => setHover((h) => (h === i ? null : h))}
                onFocus={() => setHover(i)}
                onBlur={() => setHover((h) => (h === i ? null : h))}
                onClick={() => onCycle(c.cycle)}
                onKeyDown={key(c.cycle)}
              >
                <rect x={c.x} y={0} width={c.w} height={H} className="tx-tl-band" />
                <rect x={c.x} y={0} width={c.w} height={CAP} className="tx-tl-cap" />
              </g>
            ))}
          </svg>
          {tip ? (
            <div
              className="tx-tl-tip"
              role="tooltip"
              data-testid="cycle-tooltip"
              style={{ left: `${tipAt}%`, transform: `translateX(-${tipAt}%)` }}
            >
              <b>{tip.label}</b>
              <span className="muted"> · click to show its exchanges</span>
            </div>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
