//! The Traffic table as an ARIA grid: the column headers, the scroll area holding only the
//! visible window of rows (see virtual.ts) or the empty state, "loading older exchanges…", and
//! the "n new ↑" pill. Keyboard handling, selection and scrolling state belong to the owner.
//! With the detail pane open the table is `compact` (see ExchangeRow); rows of the cycle picked
//! on the timeline are marked. The first column ticks rows for a replay; its header ticks every
//! row listed (or none).

import { useEffect, useRef, type KeyboardEvent, type ReactNode, type RefObject } from "react";
import type { Cycle } from "../../generated";
import type { FeedState } from "./feed";
import type { VirtualRows } from "../../components/virtual";
import { ExchangeRow } from "./ExchangeRow";

export function ExchangeGrid({
  feed,
  virt,
  gridRef,
  scrollRef,
  empty,
  activeId,
  openId,
  activeRowId,
  onKeyDown,
  onPick,
  onNewPill,
  cycle,
  selected,
  onCheck,
  onCheckAll,
}: {
  feed: FeedState;
  virt: VirtualRows;
  gridRef: RefObject<HTMLDivElement | null>;
  scrollRef: RefObject<HTMLDivElement | null>;
  /** Shown instead of the rows when there are none (null while there are rows). */
  empty: ReactNode;
  activeId: number | null;
  openId: number | null;
  activeRowId: string | undefined;
  onKeyDown: (e: KeyboardEvent<HTMLDivElement>) => void;
  onPick: (id: number) => void;
  onNewPill: () => void;
  /** The cycle picked on the timeline (its rows are marked), or null. */
  cycle: Cycle | null;
  /** The rows ticked for a replay. */
  selected: ReadonlySet<number>;
  onCheck: (id: number, range: boolean) => void;
  /** The header's "select all shown" box: tick every row listed, or none. */
  onCheckAll: (on: boolean) => void;
}) {
  const visible = feed.rows.slice(virt.start, virt.end);
  const compact = openId !== null;
  const inCycle = (r: { id: number; idp: string }) => cycle !== null && r.id >= cycle.firstId && r.id <= cycle.lastId && r.idp === cycle.idp;
  return (
    <div
      className={`tx-grid${openId !== null ? " narrow" : ""}`}
      role="grid"
      aria-label="captured exchanges"
      aria-rowcount={feed.rows.length + 1}
      aria-activedescendant={activeRowId}
      tabIndex={0}
      ref={gridRef}
      onKeyDown={onKeyDown}
    >
      <div className="tx-head" role="row">
        <span role="columnheader" className="tx-c-check">
          <SelectAll rows={feed.rows.length} selected={selected.size} onChange={onCheckAll} />
        </span>
        <span role="columnheader" className="tx-c-time">time</span>
        <span role="columnheader" className="tx-c-idp">IdP</span>
        <span role="columnheader" className="tx-c-op">operation</span>
        {compact ? null : <span role="columnheader" className="tx-c-method">method</span>}
        <span role="columnheader" className="tx-c-path">{compact ? "request" : "path"}</span>
        <span role="columnheader" className="tx-c-status">status</span>
        {compact ? null : (
          <>
            <span role="columnheader" className="tx-c-latency">latency</span>
            <span role="columnheader" className="tx-c-resource">resource</span>
          </>
        )}
        <span role="columnheader" className="tx-c-quirks">quirks</span>
      </div>
      <div className="tx-scroll" ref={scrollRef} role="rowgroup">
        {empty ?? (
          <div className="tx-sizer" style={{ height: virt.total }}>
            <div className="tx-window" style={{ transform: `translateY(${virt.offset}px)` }}>
              {visible.map((r) => (
                <ExchangeRow
                  key={r.id}
                  row={r}
                  active={r.id === activeId}
                  open={r.id === openId}
                  compact={compact}
                  inCycle={inCycle(r)}
                  onPick={onPick}
                  checked={selected.has(r.id)}
                  onCheck={onCheck}
                />
              ))}
            </div>
          </div>
        )}
        {feed.loadingMore ? <div className="tx-more muted">loading older exchanges…</div> : null}
      </div>
      {feed.unseen > 0 ? (
        <button className="tx-new-pill" onClick={onNewPill}>
          {feed.unseen.toLocaleString()} new ↑
        </button>
      ) : null}
    </div>
  );
}

/** "Select all shown": ticked when every listed row is, mixed when some are. */
function SelectAll({ rows, selected, onChange }: { rows: number; selected: number; onChange: (on: boolean) => void }) {
  const ref = useRef<HTMLInputElement>(null);
  const all = rows > 0 && selected >= rows;
  useEffect(() => {
    if (ref.current) ref.current.indeterminate = selected > 0 && !all;
  }, [selected, all]);
  return (
    <input
      ref={ref}
      type="checkbox"
      checked={all}
      disabled={rows === 0}
      aria-label="select all shown exchanges"
      title={all ? "select none" : "select every exchange listed"}
      data-testid="select-all"
      onChange={() => onChange(!all)}
    />
  );
}
