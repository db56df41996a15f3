//! What the Traffic table shows while it has no rows: "loading…", the first-run empty state (go
//! to Connect, or Simulate ▾ an Entra ID / Okta cycle), or "no exchange matches these filters".

import type { useSimulation } from "../../components/SimulationStatus";
import { EmptyState } from "../../components/EmptyState";
import { SimulateMenu } from "../../components/SimulateMenu";
import { href } from "../../state/route";
import type { FeedState } from "./feed";

export function EmptyTraffic({
  feed,
  unfiltered,
  sim,
  onClearFilters,
}: {
  feed: FeedState;
  unfiltered: boolean;
  /** The screen's simulation handle (owned by the screen so a pending start survives this view). */
  sim: ReturnType<typeof useSimulation>;
  onClearFilters: () => void;
}) {
  if (feed.loading) return <div className="tx-loading muted">loading traffic…</div>;
  if (unfiltered) {
    return (
      <EmptyState title="No traffic yet">
        <p>
          Point your IdP at ScimLab — the <a href={href("connect")}>Connect</a> screen has the URL, the key and the steps —
          or let ScimLab play the IdP: run <code>scimlab simulate entra</code>, or
        </p>
        <div className="row tx-empty-actions">
          <SimulateMenu busy={sim.busy} align="left" primary />
        </div>
        <p className="muted">Requests appear here the moment they arrive.</p>
      </EmptyState>
    );
  }
  return (
    <EmptyState title="No exchange matches these filters">
      <p>{feed.paused && feed.pending.length > 0 ? `${feed.pending.length} new exchanges are held while paused. ` : ""}Live traffic that matches will appear here.</p>
      <button onClick={onClearFilters}>Clear filters</button>
    </EmptyState>
  );
}
