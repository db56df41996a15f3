//! The top of a faulted exchange's detail: which fault rule answered it and what it did (a
//! rehearsed failure, ScimLab's choice, not the app's), then what the IdP did next — the
//! engine's `reaction`, read from the same IdP's later requests — as a badge for its kind and
//! the sentence, with whether it waited the Retry-After asked for.

import type { FaultMark, Reaction, ReactionKind } from "../../generated";
import { href } from "../../state/route";

const KIND: Record<ReactionKind, { label: string; cls: string }> = {
  retried: { label: "retried", cls: "good" },
  "looked-up-then-retried": { label: "looked up, then retried", cls: "good" },
  "matched-existing": { label: "matched the existing user", cls: "good" },
  "gave-up": { label: "gave up", cls: "bad" },
  "no-traffic-yet": { label: "nothing yet", cls: "neutral" },
};

/** A reaction kind in words (`looked-up-then-retried` → `looked up, then retried`). */
export function reactionLabel(kind: ReactionKind): string {
  return (KIND[kind] ?? { label: kind }).label;
}

export function FaultSection({ fault, reaction }: { fault: FaultMark; reaction: Reaction | null }) {
  const k = reaction ? KIND[reaction.kind] ?? { label: reaction.kind, cls: "neutral" } : null;
  return (
    <section className="tx-faultbox" data-testid="fault-section" aria-labelledby="tx-fault-head">
      <div className="tx-faultbox-head" id="tx-fault-head">
        <span className="tx-faultbox-kicker">Fault</span>
        <span className="grow">
          rule <b data-testid="fault-rule-name">{fault.ruleName}</b>
        </span>
        <a href={href("faults")} title="the fault rules (Alt+7)">
          open Faults
        </a>
      </div>
      <div className="tx-faultbox-body">
        <p data-testid="fault-did">
          <span className="tx-why-label">What it did</span> {fault.did}
          {fault.subject ? (
            <>
              {" "}
              to a request about <b>{fault.subject}</b>
            </>
          ) : null}{" "}
          <span className="muted">— a rehearsed failure, not the app's</span>
        </p>
        {reaction && k ? (
          <p data-testid="fault-reaction">
            <span className="tx-why-label">What the IdP did next</span>{" "}
            <span className={`badge ${k.cls}`} data-testid="reaction-kind" data-kind={reaction.kind}>
              {k.label}
            </span>{" "}
            {reaction.sentence}
            {reaction.honouredRetryAfter !== null ? (
              <>
                {" "}
                <span className={`badge ${reaction.honouredRetryAfter ? "good" : "warn"}`} data-testid="retry-after-honoured">
                  {reaction.honouredRetryAfter ? "waited the Retry-After" : `did not wait the Retry-After${fault.retryAfter ? ` (${fault.retryAfter} s)` : ""}`}
                </span>
              </>
            ) : null}
          </p>
        ) : null}
      </div>
    </section>
  );
}
