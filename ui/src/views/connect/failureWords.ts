//! The Connect screen's words for a failed request, from what the engine decided: the key's
//! outcome (`auth.outcome`) and the diagnosis (cause, one-sentence title, SCIM error, fix). The
//! key is blamed only when its outcome says so (wrong key, no header, wrong scheme); a request
//! refused for its URL with a good key says the key is fine and blames the URL. Pure; tested in
//! Connect.test.tsx.

import type { AuthSummary, Diagnosis, ExchangeSummary, FailureCause, Idp } from "../../generated";
import { idpName } from "../../format";

/** What the Last failure card says. */
export interface FailureWords {
  /** The one sentence: why it failed. */
  title: string;
  /** What the key had to do with it (null while unknown). */
  keyLine: string | null;
  /** "What to change in Okta", … */
  fixIntro: string;
  /** The fix, in the IdP portal's words. */
  fix: string;
  /** Whether the key (or its header) is the reason. */
  blamesKey: boolean;
}

const KEY_OUTCOMES = new Set(["wrong-key", "missing-header", "wrong-scheme"]);
const ROUTE_CAUSES = new Set<FailureCause>(["wrong-base-path", "unknown-endpoint", "method-not-allowed"]);

/** Whether the key (or its header) decided the refusal. */
export function keyBlamed(auth: AuthSummary | null | undefined): boolean {
  return !!auth && KEY_OUTCOMES.has(auth.outcome);
}

/** A sentence starts with a capital. */
export function sentence(text: string): string {
  return text ? text[0].toUpperCase() + text.slice(1) : text;
}

/** "What to change in Entra ID", "… in Okta", or in either for another client. */
export function fixIntro(idp: Idp): string {
  return idp === "other" ? "What to change in Entra ID / Okta (or your client)" : `What to change in ${idpName(idp)}`;
}

/** The credential as safe to show: `Bearer …x9Qa`. */
function credential(auth: AuthSummary): string {
  return `${auth.scheme ?? "no scheme"}${auth.last4 ? ` …${auth.last4}` : ""}`;
}

/** The words for a failed exchange; `auth`/`diagnosis` null while its detail is being read. */
export function failureWords(
  s: Pick<ExchangeSummary, "idp" | "status" | "method" | "path">,
  auth: AuthSummary | null,
  diagnosis: Diagnosis | null,
  keyMasked: string,
): FailureWords {
  const intro = fixIntro(s.idp);
  if (!auth) {
    return { title: `Answered ${s.status}: reading why…`, keyLine: null, fixIntro: intro, fix: "", blamesKey: false };
  }
  const title = sentence(diagnosis?.title ?? `${s.method} ${s.path} was answered ${s.status}`);
  switch (auth.outcome) {
    case "wrong-key":
      return {
        title,
        keyLine: `The key was refused: ScimLab's current key ends in ${keyMasked}${auth.last4 ? `, the one sent ends in …${auth.last4}` : ""}. Rotated it recently? The IdP still has the old one.`,
        fixIntro: intro,
        fix: diagnosis?.fix ?? "Copy the key from the top of this screen and paste it whole into Entra ID's Secret Token or Okta's Authorization field, save, and test the connection again.",
        blamesKey: true,
      };
    case "missing-header":
      return {
        title,
        keyLine:
          "No key was sent at all: set the Authorization header — Entra ID: Provisioning → Admin Credentials → Secret Token; Okta: Authentication Mode HTTP Header, then Authorization.",
        fixIntro: intro,
        fix: diagnosis?.fix ?? "Set the Authorization header (Entra ID: Secret Token; Okta: Authentication Mode HTTP Header → Authorization) to the SCIM key, save, and test the connection again.",
        blamesKey: true,
      };
    case "wrong-scheme":
      return {
        title,
        keyLine: `The Authorization header was sent as ${auth.scheme ?? "another scheme"}, not Bearer: ScimLab takes the key as a Bearer token.`,
        fixIntro: intro,
        fix: diagnosis?.fix ?? "Choose HTTP Header (a Bearer token), not Basic Auth or OAuth, and paste the SCIM key.",
        blamesKey: true,
      };
    default: {
      const route = diagnosis !== null && ROUTE_CAUSES.has(diagnosis.cause);
      const keyLine = auth.matched
        ? `The key is fine: it matched (${credential(auth)}).${route ? " The request was refused for its URL, not its key." : ""}`
        : auth.outcome === "not-checked"
          ? "The key did not decide this: the request was refused before the key mattered."
          : null;
      return { title, keyLine, fixIntro: intro, fix: diagnosis?.fix ?? "Open it in Traffic: the response says why.", blamesKey: false };
    }
  }
}

/** The headline of the "first request" panel for the latest exchange. */
export function seenHeadline(s: Pick<ExchangeSummary, "idp" | "status">, auth: AuthSummary | null, live: boolean): string {
  const who = sentence(idpName(s.idp));
  if (s.status < 400) return live ? `${who} reached ScimLab` : `Traffic is arriving — latest from ${idpName(s.idp)}`;
  if (auth?.outcome === "wrong-key") return `${who} reached ScimLab, but the key was refused`;
  if (auth?.outcome === "missing-header") return `${who} reached ScimLab, but sent no Authorization header`;
  if (auth?.outcome === "wrong-scheme") return `${who} reached ScimLab, but not with a Bearer key`;
  return `${who} reached ScimLab, but the request failed (${s.status})`;
}

/** The auth badge of the latest exchange: its words and colour. */
export function authBadge(auth: AuthSummary): { text: string; tone: "good" | "bad" | "neutral" } {
  switch (auth.outcome) {
    case "matched":
      return { text: `key matched (${credential(auth)})`, tone: "good" };
    case "wrong-key":
      return { text: `key did not match (${credential(auth)})`, tone: "bad" };
    case "missing-header":
      return { text: "no Authorization header sent", tone: "bad" };
    case "wrong-scheme":
      return { text: `not a Bearer key (${auth.scheme ?? "unknown scheme"})`, tone: "bad" };
    case "not-checked":
      return auth.matched
        ? { text: `key matched (${credential(auth)}); refused before it mattered`, tone: "good" }
        : { text: "key not checked: refused before it mattered", tone: "neutral" };
    default:
      return auth.matched ? { text: `key matched (${credential(auth)})`, tone: "good" } : { text: "key not matched", tone: "neutral" };
  }
}
