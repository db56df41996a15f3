//! The Traffic toolbar: the IdP / operation / status / method filters, the resource chip, the
//! free-text search (typed locally, written to the URL by the owner), clear, the true count
//! ("5,450 exchanges", "312 of 5,450 exchanges" when filtered: totals.ts), pause/resume with the
//! held-exchange count, the rows ticked for a replay with "Replay against…" (the ticked rows, or
//! what the filters show), and the HAR export of what the filters match.

import { useState } from "react";
import type { OperationKind } from "../../generated";
import { api, host } from "../../platform";
import { useToast } from "../../state/toasts";
import { count, OPERATIONS, operationLabel } from "../../format";
import { CAP, type FeedState } from "./feed";
import { shortId } from "./display";
import { counterText, type Tally } from "./totals";
import { IDPS, METHODS, STATUS_CLASSES, toApiFilters, type Filters } from "./filters";
import { FilterSelect } from "./FilterSelect";

const IDP_LABEL: Record<string, string> = { entra: "Entra ID", okta: "Okta", other: "other" };

export function TrafficToolbar({
  filters,
  unfiltered,
  onFilter,
  onClearFilters,
  text,
  onText,
  feed,
  all,
  onTogglePause,
  selectedCount,
  onClearSelection,
  onReplay,
  replayTitle,
  canReplay,
}: {
  filters: Filters;
  unfiltered: boolean;
  onFilter: (patch: Partial<Filters>) => void;
  onClearFilters: () => void;
  /** The free text as typed (ahead of the URL). */
  text: string;
  onText: (text: string) => void;
  feed: FeedState;
  /** The unfiltered total while filters are set (null when unknown). */
  all: Tally | null;
  onTogglePause: () => void;
  /** Rows ticked for a replay. */
  selectedCount: number;
  onClearSelection: () => void;
  /** Open the Replay dialog on the ticked rows, or on what the filters show. */
  onReplay: () => void;
  /** What the Replay button replays, in words (its title). */
  replayTitle: string;
  canReplay: boolean;
}) {
  return (
    <div className="tx-toolbar" role="toolbar" aria-label="traffic filters">
      <FilterSelect label="IdP" value={filters.idp} options={IDPS} onChange={(v) => onFilter({ idp: v })} render={(v) => IDP_LABEL[v]} />
      <FilterSelect<OperationKind> label="Operation" value={filters.operation} options={OPERATIONS} onChange={(v) => onFilter({ operation: v })} render={operationLabel} />
      <FilterSelect label="Status" value={filters.status} options={STATUS_CLASSES} onChange={(v) => onFilter({ status: v })} />
      <FilterSelect label="Method" value={(METHODS.includes(filters.method) ? filters.method : "") as string} options={METHODS} onChange={(v) => onFilter({ method: v })} />
      {filters.resource ? (
        <span className="tx-chip" title={`only exchanges that touched ${filters.resource}`}>
          resource{" "}
          <span className="mono internal-id" title={filters.resource}>
            {shortId(filters.resource)}
          </span>
          <button className="ghost small" aria-label="remove the resource filter" onClick={() => onFilter({ resource: "" })}>
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
        onChange={(e) => onText(e.target.value)}
      />
      {!unfiltered ? (
        <button className="ghost small" onClick={onClearFilters}>
          clear
        </button>
      ) : null}
      <div className="tx-actions">
        <span
          className="tx-count"
          aria-live="polite"
          data-testid="exchange-count"
          title="exchanges stored that match the filters (a fold of refused requests counts once)"
        >
          {counterText(feed.total, unfiltered ? null : all, !unfiltered, feed.rows.length, feed.nextBefore !== null)}
          {feed.capped ? <span className="muted"> (newest {count(CAP)} listed)</span> : null}
        </span>
        <button
          className={`tx-pause${feed.paused ? " paused" : ""}`}
          onClick={onTogglePause}
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
        {selectedCount > 0 ? (
          <span className="tx-chip tx-selected" data-testid="selected-count">
            {count(selectedCount)} selected
            <button className="ghost small" aria-label="clear the selection" title="clear the selection" onClick={onClearSelection}>
              ×
            </button>
          </span>
        ) : null}
        <button onClick={onReplay} disabled={!canReplay} title={`replay ${replayTitle} against another SCIM app`} data-testid="replay-button">
          Replay against…
        </button>
        <ExportHarButton filters={filters} />
      </div>
    </div>
  );
}

/** Saves the exchanges matching `filters` as a (redacted) HAR file. */
function ExportHarButton({ filters }: { filters: Filters }) {
  const toast = useToast();
  const [exporting, setExporting] = useState(false);

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

  return (
    <button onClick={exportHar} disabled={exporting} title="the exchanges matching these filters as a HAR file (redacted)">
      {exporting ? "Exporting…" : "Export HAR"}
    </button>
  );
}
