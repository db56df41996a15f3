//! One row of the Traffic table: time, IdP, operation, method, path, status (and ×n for a fold
//! of rejected requests), latency, resource and the first two quirks (+n more). Memoised: with
//! 100 000 rows only changed rows re-render.

import { memo } from "react";
import type { ExchangeSummary } from "../../generated";
import { IdpBadge, QuirkBadge, StatusBadge } from "../../components/Badges";
import { clock, dateTime, latency, operationLabel } from "../../format";

/** A row's height in pixels: the virtualisation math relies on it (`.tx-row` in traffic.css). */
export const ROW_HEIGHT = 30;

export const ExchangeRow = memo(function ExchangeRow({
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
