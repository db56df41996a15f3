//! The fault rules in order, first match first: each row has its enabled switch, its number and
//! name, one plain-English line (what it matches → what it does, how often), its live counters
//! (times fired / requests matched while enabled), Edit and Delete.

import type { FaultRuleView } from "../../generated";
import { count } from "../../format";
import { actionSummary, budgetSummary, matchSummary } from "./summary";

export function RuleList({
  rules,
  busy,
  onToggle,
  onEdit,
  onDelete,
}: {
  rules: FaultRuleView[];
  /** The engine does not answer: no action offered. */
  busy: boolean;
  onToggle: (rule: FaultRuleView) => void;
  onEdit: (rule: FaultRuleView) => void;
  onDelete: (rule: FaultRuleView) => void;
}) {
  return (
    <ol className="fx-rules" aria-label="fault rules, first match wins">
      {rules.map((r, i) => (
        <li key={r.id} className={`fx-rule${r.enabled ? "" : " off"}`} data-testid="fault-rule" data-id={r.id}>
          <button
            type="button"
            role="switch"
            aria-checked={r.enabled}
            aria-label={`${r.name} enabled`}
            className={`fx-switch${r.enabled ? " on" : ""}`}
            title={r.enabled ? "enabled: click to disable (its counters are kept)" : "disabled: click to enable"}
            disabled={busy}
            data-autofocus={i === 0 ? "" : undefined}
            onClick={() => onToggle(r)}
          >
            <span className="switch-track" aria-hidden="true">
              <span className="switch-thumb" />
            </span>
          </button>
          <span className="fx-order muted" aria-hidden="true">
            {i + 1}
          </span>
          <div className="fx-rule-main">
            <div className="fx-rule-name">
              <b>{r.name}</b> {r.enabled ? null : <span className="badge neutral">disabled</span>}
            </div>
            <div className="fx-rule-plain" data-testid="fault-summary">
              <span>{matchSummary(r.match)}</span> <span aria-hidden="true">→</span>{" "}
              <span className="fx-rule-action">{actionSummary(r.action)}</span> <span className="muted">· {budgetSummary(r)}</span>
            </div>
          </div>
          <span
            className="fx-counters"
            data-testid="fault-counters"
            title="times it fired / requests it matched while enabled (since it was added or last saved)"
          >
            <b data-testid="fault-hits">{count(r.hits)}</b> fired <span className="muted">/</span>{" "}
            <span data-testid="fault-matches">{count(r.matches)}</span> matched
          </span>
          <span className="fx-rule-actions">
            <button type="button" className="small" disabled={busy} onClick={() => onEdit(r)} aria-label={`edit ${r.name}`}>
              Edit
            </button>
            <button type="button" className="small" disabled={busy} onClick={() => onDelete(r)} aria-label={`delete ${r.name}`}>
              Delete
            </button>
          </span>
        </li>
      ))}
    </ol>
  );
}
