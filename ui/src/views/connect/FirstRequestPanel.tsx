//! The live "first request" panel: while nothing has arrived, what to press in the IdP (and that
//! Simulate ▾ in the header plays one); once an exchange lands, who sent what, what the key had
//! to do with the answer (its outcome, never guessed from the status) and a link into Traffic.
//! Why a request failed and how to fix it is the Last failure card's (LastFailureCard.tsx).

import { IdpBadge, StatusBadge } from "../../components/Badges";
import { SimulationStatus } from "../../components/SimulationStatus";
import { clock, count, operationLabel } from "../../format";
import { href } from "../../state/route";
import { authBadge, seenHeadline } from "./failureWords";
import { useFirstExchange } from "./useFirstExchange";
import { readableQuery } from "../traffic/display";

export function FirstRequestPanel() {
  const { seen, checked, auth } = useFirstExchange();

  if (!seen) {
    return (
      <section className="card cx-first cx-waiting" data-testid="waiting-first-request" aria-live="polite">
        <div className="cx-first-head">
          <span className="cx-pulse" aria-hidden="true">
            <span />
          </span>
          <div>
            <h3>{checked ? "Waiting for the first request from your IdP…" : "Checking for traffic…"}</h3>
            <p className="muted">
              Paste the tenant URL and key into your IdP, then press <b>Test Connection</b> (Entra ID) or{" "}
              <b>Test Connector Configuration</b> (Okta). The request shows up here the moment it lands.
            </p>
          </div>
        </div>
        <div className="row cx-sim">
          <span className="muted">
            No IdP at hand? <b>Simulate ▾</b> at the top of this screen plays Entra ID or Okta against this endpoint.
          </span>
        </div>
        <SimulationStatus />
      </section>
    );
  }

  const s = seen.summary;
  const authInfo = auth && auth.id === s.id ? auth.auth : null;
  const failed = s.status >= 400;
  const badge = authInfo ? authBadge(authInfo) : null;
  return (
    <section className={`card cx-first cx-seen ${failed ? "cx-refused" : ""}`} data-testid="first-request-seen" aria-live="polite">
      <div className="cx-first-head">
        <span className={`cx-check ${failed ? "bad" : "good"}`} aria-hidden="true">
          {failed ? "!" : "✓"}
        </span>
        <div className="grow">
          <h3>{seenHeadline(s, authInfo, seen.live)}</h3>
          <div className="row cx-seen-line">
            <IdpBadge idp={s.idp} />
            <b>{operationLabel(s.operation)}</b>
            <code className="cx-req" title={`${s.method} ${s.path}${s.query ? `?${s.query}` : ""}`}>
              {s.method} {s.path}
              {s.query ? ` ${readableQuery(s.query)}` : ""}
            </code>
            <StatusBadge status={s.status} />
            <span className="muted">{clock(s.at)}</span>
          </div>
          <div className="cx-auth">
            {badge ? <span className={`badge ${badge.tone}`}>{badge.text}</span> : <span className="muted">auth: checking…</span>}
            {failed ? <span className="muted"> · why it failed: see Last failure below</span> : null}
          </div>
        </div>
        <div className="cx-open-wrap">
          <a className="cx-open" href={href("traffic", s.id)}>
            Open in Traffic →
          </a>
          {seen.more > 0 ? (
            <a className="cx-more" href={href("traffic")}>
              +{count(seen.more)} more since
            </a>
          ) : null}
        </div>
      </div>
      <SimulationStatus />
    </section>
  );
}
