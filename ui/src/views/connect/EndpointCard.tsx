//! The endpoint card at the top of the Connect screen: the tenant URL (with copy and the strict
//! badge), the SCIM key masked or revealed (reveal/hide, copy the full key, rotate), and a note
//! when the address is local so a cloud IdP needs a tunnel. In presentation mode there is no
//! Reveal (copy still works); while the engine does not answer, Reveal and Rotate are disabled.
//! `RotateKeyConfirm` is the dialog the Rotate button opens.

import { CopyButton } from "../../components/CopyButton";
import { Confirm } from "../../components/Confirm";
import { useEngine } from "../../state/engine";
import type { ScimEndpoint } from "./useScimEndpoint";

export function EndpointCard({ scim, tenantUrl, keyText, local }: { scim: ScimEndpoint; tenantUrl: string; keyText: string; local: boolean }) {
  const { endpoint, revealed, presenting } = scim;
  const { down } = useEngine();
  return (
    <section className="card cx-endpoint" aria-label="endpoint">
      <div className="cx-field">
        <span className="cx-field-label">Tenant URL</span>
        <code className="cx-value cx-big" data-testid="tenant-url" title={`${tenantUrl}\nEntra ID: Tenant URL · Okta: SCIM connector base URL`}>
          {tenantUrl}
        </code>
        {endpoint ? <CopyButton text={tenantUrl} /> : null}
        {endpoint?.strict ? (
          <span className="badge warn" title="answers per RFC 7644 instead of accepting IdP quirks">
            strict mode
          </span>
        ) : null}
      </div>
      <div className="cx-field">
        <span className="cx-field-label">SCIM key</span>
        <code className={`cx-value cx-big ${revealed ? "cx-revealed" : ""}`} data-testid="scim-key">
          {keyText}
        </code>
        {presenting ? (
          <span className="muted cx-presenting" title="presentation mode never shows the key; copy still works">
            hidden while presenting
          </span>
        ) : revealed ? (
          <button className="small" onClick={scim.hide}>
            Hide
          </button>
        ) : (
          <button className="small" onClick={scim.reveal} disabled={!endpoint || down}>
            Reveal
          </button>
        )}
        <CopyButton text={scim.copyKey} title="copy the full key" />
        <button
          className="small cx-rotate"
          onClick={scim.askRotate}
          disabled={!endpoint || scim.busy || down}
          title={down ? "the ScimLab engine is not answering" : undefined}
        >
          Rotate key
        </button>
      </div>
      {local ? (
        <p className="cx-note">
          This address is only reachable from this machine. Cloud IdPs need a public HTTPS URL: see{" "}
          <a href="#tunnel">Make it public</a> below.
        </p>
      ) : null}
    </section>
  );
}

export function RotateKeyConfirm({ keyMasked, onConfirm, onCancel }: { keyMasked: string; onConfirm: () => void; onCancel: () => void }) {
  return (
    <Confirm title="Rotate the SCIM key?" confirmLabel="Rotate key" onConfirm={onConfirm} onCancel={onCancel}>
      <p>
        ScimLab makes a new key and the current one ({keyMasked}) stops working at once: your IdP gets{" "}
        <b>401 Unauthorized</b> on every request until you paste the new key into it (Entra ID: Secret Token; Okta:
        Authorization).
      </p>
    </Confirm>
  );
}
