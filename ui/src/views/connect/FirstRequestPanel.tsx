//! The live "first request" panel: while nothing has arrived, what to press in the IdP (and
//! buttons to simulate one); once an exchange lands, who sent what, whether the key matched,
//! a link into Traffic, and — when the key was refused — how to fix it.

import { IdpBadge, StatusBadge } from "../../components/Badges";
import { SimulationStatus, useSimulation } from "../../components/SimulationStatus";
import { clock, operationLabel } from "../../format";
import { href } from "../../state/route";
import { useFirstExchange } from "./useFirstExchange";

export function FirstRequestPanel({ keyMasked }: { keyMasked: string }) {
  const { seen, checked, auth } = useFirstExchange();
  const sim = useSimulation();

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
          <span className="muted">No IdP at hand?</span>
          <button className="small" disabled={sim.busy} onClick={() => void sim.start("entra")}>
            Simulate an Entra ID cycle
          </button>
          <button className="small" disabled={sim.busy} onClick={() => void sim.start("okta")}>
            Simulate an Okta cycle
          </button>
        </div>
        <SimulationStatus />
      </section>
    );
  }

  const s = seen.summary;
  const authInfo = auth && auth.id === s.id ? auth.auth : null;
  const refused = s.status === 401 || (authInfo !== null && !authInfo.matched);
  const idpWords = s.idp === "entra" ? "Microsoft Entra ID" : s.idp === "okta" ? "Okta" : "an unrecognised client";
  return (
    <section className={`card cx-first cx-seen ${refused ? "cx-refused" : ""}`} data-testid="first-request-seen" aria-live="polite">
      <div className="cx-first-head">
        <span className={`cx-check ${refused ? "bad" : "good"}`} aria-hidden="true">
          {refused ? "!" : "✓"}
        </span>
        <div className="grow">
          <h3>
            {refused
              ? `${idpWords} reached ScimLab, but the key was refused`
              : seen.live
                ? `${idpWords} reached ScimLab`
                : `Traffic is arriving — latest from ${idpWords}`}
          </h3>
          <div className="row cx-seen-line">
            <IdpBadge idp={s.idp} />
            <b>{operationLabel(s.operation)}</b>
            <code className="cx-req" title={`${s.method} ${s.path}${s.query ? `?${s.query}` : ""}`}>
              {s.method} {s.path}
              {s.query ? `?${s.query}` : ""}
            </code>
            <StatusBadge status={s.status} />
            <span className="muted">{clock(s.at)}</span>
          </div>
          <div className="cx-auth">
            {authInfo === null ? (
              <span className="muted">{s.status === 401 ? "auth: refused" : "auth: checking…"}</span>
            ) : authInfo.matched ? (
              <span className="badge good">
                key matched ({authInfo.scheme ?? "no scheme"} …{authInfo.last4})
              </span>
            ) : (
              <span className="badge bad">
                {authInfo.scheme === null
                  ? "no Authorization header sent"
                  : `key did not match (${authInfo.scheme}${authInfo.last4 ? ` …${authInfo.last4}` : ""})`}
              </span>
            )}
          </div>
        </div>
        <div className="cx-open-wrap">
          <a className="cx-open" href={href("traffic", s.id)}>
            Open in Traffic →
          </a>
          {seen.more > 0 ? (
            <a className="cx-more" href={href("traffic")}>
              +{seen.more.toLocaleString()} more since
            </a>
          ) : null}
        </div>
      </div>
      {refused ? (
        <div className="cx-fix">
          <b>How to fix it:</b> the key your IdP sent is not ScimLab's current key (it ends in{" "}
          <code>{keyMasked}</code>
          {authInfo?.last4 ? (
            <>
              ; the IdP sent one ending in <code>…{authInfo.last4}</code>
            </>
          ) : null}
          ). Copy the key above and paste it into Entra's <b>Secret Token</b> or Okta's <b>Authorization</b> (Bearer)
          field, save, and test the connection again. Did you rotate the key recently? The IdP still has the old one.
        </div>
      ) : null}
      <SimulationStatus />
    </section>
  );
}
