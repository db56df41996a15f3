//! The ready-made rules as cards: a title, what the IdP will see, and what the rule does in
//! words. Choosing one adds its rule at the end of the list (the screen renames it "… 2" when
//! its name is taken).

import type { FaultPreset } from "../../generated";
import { actionSummary, budgetSummary, matchSummary } from "./summary";

export function Presets({
  presets,
  busy,
  autofocus,
  onAdd,
}: {
  presets: FaultPreset[];
  busy: boolean;
  /** Mark the first card as where focus lands on the screen (when there is no rule). */
  autofocus: boolean;
  onAdd: (preset: FaultPreset) => void;
}) {
  return (
    <ul className="fx-presets" aria-label="presets">
      {presets.map((p, i) => (
        <li key={p.id}>
          <button
            type="button"
            className="fx-preset"
            data-testid={`preset-${p.id}`}
            disabled={busy}
            data-autofocus={autofocus && i === 0 ? "" : undefined}
            title={`add the rule: ${matchSummary(p.rule.match)} → ${actionSummary(p.rule.action)}, ${budgetSummary(p.rule)}`}
            onClick={() => onAdd(p)}
          >
            <span className="fx-preset-title">
              <span aria-hidden="true">+</span> {p.title}
            </span>
            <span className="fx-preset-desc">{p.description}</span>
          </button>
        </li>
      ))}
    </ul>
  );
}
