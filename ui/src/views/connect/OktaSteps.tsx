//! Step-by-step Okta SCIM provisioning setup, with the connector base URL and the SCIM key
//! filled in and copyable.

import { PasteField } from "./PasteValues";

export function OktaSteps({ tenant, keyText, copyKey }: { tenant: string; keyText: string; copyKey: () => Promise<string> }) {
  return (
    <ol className="cx-steps">
      <li>
        In the Okta Admin Console open your app integration → <b>General</b> → <b>App Settings</b> → <b>Edit</b> → enable{" "}
        <b>SCIM provisioning</b> → <b>Save</b>. A <b>Provisioning</b> tab appears.
      </li>
      <li>
        <b>Provisioning</b> → <b>Integration</b> → <b>Edit</b>, and fill in:
        <PasteField label="SCIM connector base URL" value={tenant} copy={tenant} />
        <PasteField label="Unique identifier field for users" value="userName" copy="userName" />
        <div className="cx-field">
          <span className="cx-field-label">Supported provisioning actions</span>
          <span>
            <b>Push New Users</b>, <b>Push Profile Updates</b> (and <b>Push Groups</b>, <b>Import New Users and Profile
            Updates</b> if you want them)
          </span>
        </div>
        <PasteField label="Authentication Mode" value="HTTP Header" />
        <PasteField label="Authorization (Bearer)" value={keyText} copy={copyKey} />
        <span className="muted">ScimLab accepts the key with or without “Bearer ”.</span>
      </li>
      <li>
        Click <b>Test Connector Configuration</b>. Okta sends <code>GET /Users?startIndex=1&amp;count=2</code> (and{" "}
        <code>GET /Groups?startIndex=1&amp;count=100</code>). Then <b>Save</b>.
      </li>
      <li>
        <b>Provisioning</b> → <b>To App</b> → <b>Edit</b>: enable <b>Create Users</b>, <b>Update User Attributes</b> and{" "}
        <b>Deactivate Users</b> → <b>Save</b>.
      </li>
      <li>
        Assign a user under <b>Assignments</b>. Okta looks the user up by <code>userName</code>, then creates it with{" "}
        <code>POST /Users</code> (with a random password, which ScimLab redacts). Okta never deletes users: it deactivates
        them.
      </li>
    </ol>
  );
}
