//! The "SCIM mode" card: the strict/tolerant switch (applies at once) and what each mode means.

import type { EngineSettings } from "../../generated";
import type { SettingsUpdate } from "./useSettingsUpdate";

export function StrictModeCard({ settings, busy, update }: { settings: EngineSettings; busy: boolean; update: SettingsUpdate }) {
  return (
    <section className="card">
      <h3>SCIM mode</h3>
      <label className="toggle-row">
        <input
          type="checkbox"
          role="switch"
          className="switch"
          checked={settings.strict}
          disabled={busy}
          aria-label="strict RFC mode"
          onChange={(e) =>
            void update({ strict: e.target.checked }, e.target.checked ? "strict mode on: IdP quirks are now rejected" : "tolerant mode on: IdP quirks are accepted and labelled")
          }
        />
        <strong>{settings.strict ? "Strict" : "Tolerant"}</strong>
      </label>
      <span className="muted small"> strict RFC mode is {settings.strict ? "on" : "off"}; applies at once</span>
      <ul className="mode-explain">
        <li className={!settings.strict ? "current" : ""}>
          <strong>Tolerant</strong> (default): accepts what Entra ID and Okta really send, and labels each quirk in the
          traffic.
        </li>
        <li className={settings.strict ? "current" : ""}>
          <strong>Strict</strong>: answers by the letter of RFC 7643/7644 and rejects quirks, to see what a strict app
          would refuse.
        </li>
      </ul>
    </section>
  );
}
