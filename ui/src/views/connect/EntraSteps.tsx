//! Step-by-step Microsoft Entra ID provisioning setup, with the tenant URL (plain and with the
//! `aadOptscim062020` flag) and the SCIM key filled in and copyable.

import { PasteField } from "./PasteValues";

export function EntraSteps({ tenant, keyText, copyKey }: { tenant: string; keyText: string; copyKey: () => Promise<string> }) {
  const flagged = `${tenant}${tenant.includes("?") ? "&" : "?"}aadOptscim062020`;
  return (
    <ol className="cx-steps">
      <li>
        In the Microsoft Entra admin center open <b>Enterprise applications</b> → <b>New application</b> →{" "}
        <b>Create your own application</b> → “Integrate any other application you don't find in the gallery (Non-gallery)”.
      </li>
      <li>
        Open the application → <b>Provisioning</b> → set <b>Provisioning Mode</b> to <b>Automatic</b>.
      </li>
      <li>
        Under <b>Admin Credentials</b> fill in:
        <PasteField label="Tenant URL" value={tenant} copy={tenant} />
        <PasteField label="Secret Token" value={keyText} copy={copyKey} />
        <span className="muted">Paste the key alone: Entra ID adds “Bearer ” itself.</span>
      </li>
      <li>
        Click <b>Test Connection</b>. Entra ID sends <code>GET /Users?filter=userName eq "&lt;random guid&gt;"</code> and
        expects <code>200</code> with an empty list — which is what ScimLab answers. Then <b>Save</b>.
      </li>
      <li>
        Optional — Microsoft's newer, RFC-compliant PATCH dialect: append <code>?aadOptscim062020</code> to the Tenant URL.
        ScimLab accepts both dialects and labels which one each request used.
        <PasteField label="Tenant URL with the flag" value={flagged} copy={flagged} />
        <span className="muted">Provision on demand ignores the flag and still sends the old dialect.</span>
      </li>
      <li>
        <b>Mappings</b> → <b>Provision Microsoft Entra ID Users</b>: review the attribute mappings
        (<code>userPrincipalName → userName</code>, <code>mail → emails[type eq "work"].value</code>,{" "}
        <code>displayName → displayName</code>…) and remove those the app does not use.
      </li>
      <li>
        Assign a user under <b>Users and groups</b>, then use <b>Provision on demand</b> to send that user right away
        (a regular provisioning cycle runs about every 40 minutes).
      </li>
    </ol>
  );
}
