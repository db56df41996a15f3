//! The setup-steps card: Entra ID / Okta tabs (← / → switch between them) over the steps for the
//! chosen IdP, with the URL to paste and the key filled in. A workspace made from an IdP's
//! template opens on that IdP's tab (`preferred`) until the admin picks one. One line advises
//! assigning only a test group while rehearsing.

import { useState } from "react";

type Tab = "entra" | "okta";

/** The tab a workspace's template asks for (`entra-guide` → Entra, `okta-guide` → Okta), if any. */
export function tabOfTemplate(template: string | null | undefined): Tab | null {
  if (template?.startsWith("entra")) return "entra";
  if (template?.startsWith("okta")) return "okta";
  return null;
}
import { EntraSteps } from "./EntraSteps";
import { OktaSteps } from "./OktaSteps";

export function IdpInstructions({
  tenant,
  keyText,
  copyKey,
  preferred = null,
}: {
  tenant: string;
  keyText: string;
  copyKey: () => Promise<string>;
  /** The tab to open on (the workspace's template), until the admin picks one. */
  preferred?: Tab | null;
}) {
  const [chosen, setTab] = useState<Tab | null>(null);
  const tab = chosen ?? preferred ?? "entra";
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
      <p className="cx-test-group muted" data-testid="test-group-advice">
        Assign only a test group to the app while you rehearse: real employees' data lands here.
      </p>
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
