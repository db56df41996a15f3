//! The "Last failure" card on the Connect screen: the newest failed request, pinned until a later
//! one succeeds — what was sent, why it failed in one sentence (the engine's diagnosis), what
//! the key had to do with it (blamed only when its outcome says so), the SCIM error, and what to
//! change in Entra ID / Okta. After a success it shrinks to "fixed at HH:MM:SS".

import { IdpBadge, QuirkBadge, StatusBadge } from "../../components/Badges";
import { clock, count, timeOfDay } from "../../format";
import { href } from "../../state/route";
import { failureWords } from "./failureWords";
import type { FailureState } from "./useLastFailure";
import type { ExchangeDetail } from "../../generated";
import { readableQuery } from "../traffic/display";

export function LastFailureCard({ state, detail, keyMasked }: { state: FailureState; detail: ExchangeDetail | null; keyMasked: string }) {
  const { failure, fixed } = state;
  if (!failure) {
    if (!fixed) return null;
    const f = fixed.failure;
    return (
      <section className="card cx-fixed" data-testid="failure-fixed" aria-live="polite">
        <span className="cx-check good" aria-hidden="true">
          ✓
        </span>
        <span>
          <b>Fixed at {timeOfDay(new Date(fixed.at))}</b> — a request succeeded after the last failure (
          <code>
            {f.method} {f.path}
          </code>{" "}
          → {f.status} at {clock(f.lastAt ?? f.at).slice(0, 8)}).
        </span>
      </section>
    );
  }
  const auth = detail?.auth ?? null;
  const diagnosis = detail?.diagnosis ?? null;
  const words = failureWords(failure, auth, diagnosis, keyMasked);
  const folded = failure.foldCount && failure.foldCount > 1 ? failure.foldCount : 0;
  return (
    <section
      className={`card cx-last-failure${words.blamesKey ? " cx-blames-key" : ""}`}
      data-testid="last-failure"
      data-cause={diagnosis?.cause ?? ""}
      aria-live="polite"
      aria-label="last failure"
    >
      <div className="cx-first-head">
        <span className="cx-check bad" aria-hidden="true">
          !
        </span>
        <div className="grow">
          <h3>
            Last failure <span className="muted cx-lf-when">at {clock(failure.lastAt ?? failure.at).slice(0, 8)}</span>
          </h3>
          <div className="row cx-seen-line">
            <IdpBadge idp={failure.idp} />
            <code className="cx-req" title={`${failure.method} ${failure.path}${failure.query ? `?${failure.query}` : ""}`}>
              {failure.method} {failure.path}
              {failure.query ? ` ${readableQuery(failure.query)}` : ""}
            </code>
            <StatusBadge status={failure.status} />
            {folded ? <span className="muted">×{count(folded)} requests</span> : null}
          </div>
        </div>
        <a className="cx-open" href={href("traffic", failure.id)}>
          Open in Traffic →
        </a>
      </div>
      <p className="cx-lf-title" data-testid="failure-title">
        {words.title}
      </p>
      {words.keyLine ? (
        <p className={`cx-lf-key ${words.blamesKey ? "bad" : "good"}`} data-testid="failure-key">
          {words.keyLine}
        </p>
      ) : null}
      {diagnosis && (diagnosis.detail || diagnosis.scimType) ? (
        <p className="cx-lf-scim">
          <span className="muted">SCIM error{diagnosis.scimType ? ` (${diagnosis.scimType})` : ""}:</span>{" "}
          {diagnosis.detail ? <q>{diagnosis.detail}</q> : null}
        </p>
      ) : null}
      {diagnosis?.quirk ? (
        <p className="cx-lf-scim">
          <span className="muted">refused quirk:</span> <QuirkBadge label={diagnosis.quirk} />
        </p>
      ) : null}
      {words.fix ? (
        <div className="cx-fix" data-testid="failure-fix">
          <b>{words.fixIntro}:</b> {words.fix}
        </div>
      ) : null}
    </section>
  );
}
