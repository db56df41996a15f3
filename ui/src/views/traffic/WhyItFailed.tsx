//! The top of a failed exchange's detail: the red "Why it failed" banner (status and SCIM
//! `scimType`, the engine's diagnosis in one large sentence, the quirk behind it in plain words
//! — said once: a title ending in the quirk's explanation loses it —, the SCIM `detail`, and the
//! fix in the IdP's portal terms), and the Auth line's words for how
//! the key figured in the answer (`auth.outcome`: a route refused first says "not checked", never
//! that the key was refused).

import type { AuthOutcome, AuthSummary, Diagnosis } from "../../generated";
import type { QuirkInfo } from "../../quirks";
import { QuirkBadge } from "../../components/Badges";
import { statusText } from "../../format";
import { statusClass, titleWithoutSummary } from "./display";
import { withCode } from "./text";

export function WhyItFailed({
  status,
  diagnosis,
  quirks,
}: {
  status: number;
  /** The engine's diagnosis; null from an engine that does not diagnose. */
  diagnosis: Diagnosis | null;
  /** Quirk explanations by label (`useQuirks`). */
  quirks: Map<string, QuirkInfo>;
}) {
  const quirk = diagnosis?.quirk ?? null;
  const info = quirk ? quirks.get(quirk) : undefined;
  return (
    <section className={`tx-why ${statusClass(status)}`} data-testid="why-failed" aria-labelledby="tx-why-head">
      <div className="tx-why-head" id="tx-why-head">
        <span className="tx-why-kicker">Why it failed</span>
        <span className="tx-why-status" data-testid="why-status">
          {statusText(status)}
          {diagnosis?.scimType ? <code className="tx-why-scimtype">{diagnosis.scimType}</code> : null}
        </span>
      </div>
      <div className="tx-why-body">
        <p className="tx-why-title" data-testid="why-title">
          {diagnosis ? withCode(titleWithoutSummary(diagnosis.title, info?.summary)) : status === 0 ? "the request got no answer: the connection was closed" : `the request was answered ${status}`}
        </p>
        {quirk ? (
          <div className="tx-why-quirk" data-testid="why-quirk">
            <span className="tx-why-label">Quirk behind it</span> <QuirkBadge label={quirk} />{" "}
            {info ? (
              <>
                <span>{withCode(info.summary)}</span>{" "}
                <span className={`badge ${info.rfcAllows ? "good" : "warn"}`}>{info.rfcAllows ? "RFC allows it" : "outside RFC 7644"}</span>
              </>
            ) : null}
          </div>
        ) : null}
        {diagnosis?.detail ? (
          <p className="tx-why-detail" data-testid="why-detail">
            <span className="tx-why-label">SCIM detail</span> <q>{diagnosis.detail}</q>
          </p>
        ) : null}
        {diagnosis?.fix ? (
          <p className="tx-why-fix" data-testid="why-fix">
            <span className="tx-why-label">Fix</span> {withCode(diagnosis.fix)}
          </p>
        ) : null}
      </div>
    </section>
  );
}

const OUTCOME: Record<AuthOutcome, { label: string; cls: string }> = {
  matched: { label: "key matched", cls: "good" },
  "wrong-key": { label: "wrong key", cls: "bad" },
  "missing-header": { label: "missing header: no Authorization header arrived", cls: "bad" },
  "wrong-scheme": { label: "wrong scheme", cls: "bad" },
  "not-checked": { label: "not checked — the route was refused first", cls: "neutral" },
  unknown: { label: "not recorded", cls: "neutral" },
};

/** How the key figured in the answer, in words (`auth.outcome`). */
export function authOutcomeLabel(outcome: AuthOutcome): string {
  return (OUTCOME[outcome] ?? OUTCOME.unknown).label;
}

/** The Auth line of the detail: what the header held, and the outcome. */
export function AuthLine({ auth }: { auth: AuthSummary }) {
  // an engine from before outcomes were served says only whether the key matched
  const outcome: AuthOutcome = auth.outcome ?? (auth.matched ? "matched" : "unknown");
  const o = OUTCOME[outcome] ?? OUTCOME.unknown;
  return (
    <span className="tx-auth" data-testid="auth-line" data-outcome={outcome}>
      {auth.scheme === null ? (
        outcome === "missing-header" ? null : <span className="muted">no Authorization header</span>
      ) : (
        <span className="mono">
          {auth.scheme}
          {auth.last4 ? ` …${auth.last4}` : ""}
        </span>
      )}{" "}
      <span className={`badge ${o.cls}`}>{o.label}</span>
    </span>
  );
}
