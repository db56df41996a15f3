//! The "Retention" card: how many captured exchanges are kept (1 to 10 000 000), typed locally,
//! checked as typed, and applied on submit.

import { useEffect, useState } from "react";
import type { EngineSettings } from "../../generated";
import type { SettingsUpdate } from "./useSettingsUpdate";

export function RetentionCard({ settings, busy, update }: { settings: EngineSettings; busy: boolean; update: SettingsUpdate }) {
  const [retention, setRetention] = useState("");

  // the field follows the value in force whenever the settings change
  useEffect(() => {
    setRetention(String(settings.retention));
  }, [settings]);

  const retentionN = Number(retention);
  const retentionOk = /^\d+$/.test(retention.trim()) && retentionN >= 1 && retentionN <= 10_000_000;

  return (
    <section className="card">
      <h3>Retention</h3>
      <p className="muted">Captured exchanges kept; the oldest are dropped first. From 1 to 10 000 000.</p>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          if (retentionOk) void update({ retention: retentionN }, `keeping the newest ${retentionN.toLocaleString()} exchanges`);
        }}
      >
        <input
          type="number"
          min={1}
          max={10_000_000}
          value={retention}
          aria-label="exchanges kept"
          className="retention-input"
          onChange={(e) => setRetention(e.target.value)}
        />
        <span className="muted">exchanges</span>
        <button type="submit" disabled={busy || !retentionOk || retentionN === settings.retention}>
          Apply
        </button>
        {!retentionOk ? <span className="field-error">use a whole number from 1 to 10 000 000</span> : null}
      </form>
    </section>
  );
}
