//! One row of the Traffic table: time, IdP, operation, method, path (ids cut in the middle, the
//! SCIM filter decoded), status (and ×n for a fold of rejected requests), latency, resource and
//! the quirks as one count badge ("2 quirks", the labels in its title: never a chip cut short).
//! The row is coloured by its status class (s2xx / s4xx / s5xx) and marked `quirky` when it
//! relied on a quirk. `compact` (the detail pane is open) merges the method into the path, shows
//! the IdP short and drops latency and resource; traffic.css hides more columns as the table
//! narrows (the milliseconds, then the method column for the method in the path, …), never the
//! status. A checkbox first ticks the row for a replay (Shift: a range; the click never opens
//! the row). A request a fault rule answered carries a "fault" chip before its path (the rule and
//! what it did in its title), and status 0 reads "no answer". Memoised: with 100 000 rows only
//! changed rows re-render.

import { memo } from "react";
import type { ExchangeSummary, FaultMark } from "../../generated";
import { IdpBadge, StatusBadge } from "../../components/Badges";
import { clock, dateTime, idpName, latency, operationLabel } from "../../format";
import { idpShort, queryParams, quirkCount, readableQuery, statusClass } from "./display";
import { PathText } from "./text";

/** A row's height in pixels: the virtualisation math relies on it (`.tx-row` in traffic.css). */
export const ROW_HEIGHT = 30;

/** The quirks a row relied on (and the one strict mode refused) as one badge. */
export function QuirkCount({ quirks, refused }: { quirks: string[]; refused?: string }) {
  const n = quirks.length + (refused ? 1 : 0);
  if (n === 0) return null;
  const lines = [...quirks, ...(refused ? [`refused by strict mode: ${refused}`] : [])];
  return (
    <span className={`badge tx-quirk-count${refused ? " refused" : ""}`} title={lines.join("\n")} data-testid="quirk-count">
      {quirkCount(n)}
    </span>
  );
}

/** The mark of a request a fault rule answered: the rule's name and what it did in its title. */
export function FaultChip({ fault }: { fault: FaultMark }) {
  return (
    <span className="badge tx-fault" data-testid="fault-chip" title={`fault rule "${fault.ruleName}" ${fault.did} (a rehearsed failure, not the app's)`}>
      fault
    </span>
  );
}

/** The path and query as the cell's title: the whole path, the query decoded. */
function fullRequest(row: ExchangeSummary): string {
  const q = queryParams(row.query)
    .map((p) => (p.value === null ? p.name : `${p.name}=${p.value}`))
    .join("&");
  return `${row.method} ${row.path}${q ? `?${q}` : ""}`;
}

export const ExchangeRow = memo(function ExchangeRow({
  row,
  active,
  open,
  compact,
  inCycle,
  onPick,
  checked,
  onCheck,
}: {
  row: ExchangeSummary;
  active: boolean;
  open: boolean;
  /** The detail pane is open: fewer, narrower columns. */
  compact: boolean;
  /** Part of the cycle picked on the timeline. */
  inCycle: boolean;
  onPick: (id: number) => void;
  /** Ticked for a replay (the checkbox column). */
  checked: boolean;
  /** The checkbox was clicked (with Shift: the range from the last one clicked). */
  onCheck: (id: number, range: boolean) => void;
}) {
  const query = readableQuery(row.query);
  const quirky = row.quirks.length > 0 || row.refusedQuirk !== undefined;
  return (
    <div
      role="row"
      id={`tx-row-${row.id}`}
      aria-selected={active}
      className={`tx-row ${statusClass(row.status)}${quirky ? " quirky" : ""}${active ? " active" : ""}${open ? " open" : ""}${
        row.status >= 400 || row.status === 0 ? " failed" : ""
      }${row.fault ? " faulted" : ""}${inCycle ? " in-cycle" : ""}${checked ? " ticked" : ""}`}
      data-testid="exchange-row"
      data-id={row.id}
      onClick={() => onPick(row.id)}
    >
      <span
        role="gridcell"
        className="tx-c-check"
        onClick={(e) => {
          e.stopPropagation();
          onCheck(row.id, e.shiftKey);
        }}
      >
        <input type="checkbox" checked={checked} onChange={() => {}} aria-label={`select exchange ${row.id}`} tabIndex={-1} data-testid="exchange-check" />
      </span>
      <span role="gridcell" className="tx-c-time mono">
        {clock(row.at).slice(0, 8)}
        {compact ? null : <span className="tx-ms">{clock(row.at).slice(8)}</span>}
      </span>
      <span role="gridcell" className="tx-c-idp">
        {compact ? (
          <span className={`badge idp-${row.idp} tx-idp-short`} title={idpName(row.idp)}>
            {idpShort(row.idp)}
          </span>
        ) : (
          <IdpBadge idp={row.idp} />
        )}
      </span>
      <span role="gridcell" className="tx-c-op">
        {operationLabel(row.operation)}
      </span>
      {compact ? null : (
        <span role="gridcell" className="tx-c-method mono">
          {row.method}
        </span>
      )}
      <span role="gridcell" className="tx-c-path mono" title={fullRequest(row)}>
        {row.fault ? <FaultChip fault={row.fault} /> : null}
        <b className="tx-inline-method">{row.method} </b>
        <PathText path={row.path} elideBase={compact} />
        {query ? <span className="tx-q"> {query}</span> : null}
      </span>
      <span role="gridcell" className="tx-c-status">
        <StatusBadge status={row.status} />
        {row.foldCount !== undefined && row.foldCount > 1 ? (
          <span
            className="badge neutral tx-fold"
            data-testid="fold-count"
            title={`${row.foldCount} requests refused alike (same client, user-agent and reason), the first kept; last at ${row.lastAt ? dateTime(row.lastAt) : "?"}`}
          >
            ×{row.foldCount}
          </span>
        ) : null}
      </span>
      {compact ? null : (
        <>
          <span role="gridcell" className="tx-c-latency mono">
            {latency(row.latencyMs)}
          </span>
          <span role="gridcell" className="tx-c-resource" title={row.resourceName ?? undefined}>
            {row.resourceName ?? ""}
          </span>
        </>
      )}
      <span role="gridcell" className="tx-c-quirks">
        <QuirkCount quirks={row.quirks} refused={row.refusedQuirk} />
      </span>
    </div>
  );
});
