//! The setup-steps card: Entra ID / Okta tabs (← / → switch between them) over the steps for the
//! chosen IdP, with the URL to paste and the key filled in.

import { useState } from "react";
import { EntraSteps } from "./EntraSteps";
import { OktaSteps } from "./OktaSteps";

export function IdpInstructions({ tenant, keyText, copyKey }: { tenant: string; keyText: string; copyKey: () => Promise<string> }) {
  const [tab, setTab] = useState<"entra" | "okta">("entra");
  return (
    <section className="card cx-howto" aria-label="setup steps">
      <div className="cx-tabs" role="tablist" aria-label="identity provider">
        {(["entra", "okta"] as const).map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            id={`cx-tab-${t}`}
            aria-selected={tab === t}
            aria-controls="cx-steps-panel"
            tabIndex={tab === t ? 0 : -1}
            className={tab === t ? "active" : ""}
            onClick={() => setTab(t)}
            onKeyDown={(e) => {
              if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
              e.preventDefault();
              const other = t === "entra" ? "okta" : "entra";
              setTab(other);
              document.getElementById(`cx-tab-${other}`)?.focus();
            }}
          >
            {t === "entra" ? "Microsoft Entra ID" : "Okta"}
          </button>
        ))}
      </div>
      <div role="tabpanel" id="cx-steps-panel" aria-labelledby={`cx-tab-${tab}`}>
        {tab === "entra" ? (
          <EntraSteps tenant={tenant} keyText={keyText} copyKey={copyKey} />
        ) : (
          <OktaSteps tenant={tenant} keyText={keyText} copyKey={copyKey} />
        )}
      </div>
    </section>
  );
}
