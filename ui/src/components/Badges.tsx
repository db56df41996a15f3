//! Small coloured labels: IdP, HTTP status, role, field/check status, quirk.

import type { CheckStatus, FieldStatus, Idp } from "../generated";
import { statusText } from "../format";

const IDP_LABEL: Record<Idp, string> = { entra: "Entra ID", okta: "Okta", other: "other" };

export function IdpBadge({ idp }: { idp: Idp }) {
  return <span className={`badge idp-${idp}`}>{IDP_LABEL[idp]}</span>;
}

/** An HTTP status pill. Its class says the status class (`s2xx` … `s5xx`): 4xx red-orange, 5xx
 *  deep red, apart from the amber of warnings and quirks (colours in views/traffic.css, light
 *  and dark); `good` / `bad` / `neutral` remain for the shared badge styles. Status 0 (no
 *  answer: the connection was closed) reads "no answer", coloured as a 5xx. */
export function StatusBadge({ status }: { status: number }) {
  const cls = status >= 400 || status === 0 ? "bad" : status >= 300 ? "neutral" : "good";
  const c = Math.floor(status / 100);
  return (
    <span
      className={`badge status ${cls} s${c >= 1 && c <= 5 ? c : 5}xx${status === 0 ? " no-answer" : ""}`}
      title={status === 0 ? "no answer: the connection was closed before a response was sent" : undefined}
    >
      {statusText(status)}
    </span>
  );
}

/** Role as the target app sees it; `invalid` when the field status says so. */
export function RoleBadge({ role, status }: { role: string; status?: FieldStatus }) {
  if (status === "invalid" || status === "ambiguous" || status === "misnamed") {
    return (
      <span className="badge bad" title={`the role that arrived is ${status}; the user gets ${role}`}>
        {status} → {role}
      </span>
    );
  }
  return <span className={`badge role-${role.toLowerCase()}`}>{role}</span>;
}

const FIELD_CLASS: Record<FieldStatus, string> = {
  mapped: "good",
  defaulted: "neutral",
  missing: "warn",
  invalid: "bad",
  ambiguous: "warn",
  misnamed: "bad",
};

export function FieldStatusBadge({ status }: { status: FieldStatus }) {
  return <span className={`badge ${FIELD_CLASS[status]}`}>{status}</span>;
}

const CHECK_CLASS: Record<CheckStatus, string> = { pass: "good", warn: "warn", fail: "bad", "not-yet-seen": "neutral" };
const CHECK_LABEL: Record<CheckStatus, string> = { pass: "pass", warn: "warn", fail: "fail", "not-yet-seen": "not yet seen" };

export function CheckBadge({ status }: { status: CheckStatus }) {
  return <span className={`badge ${CHECK_CLASS[status]}`}>{CHECK_LABEL[status]}</span>;
}

export function QuirkBadge({ label }: { label: string }) {
  return (
    <span className="badge quirk" title={label}>
      {label}
    </span>
  );
}
