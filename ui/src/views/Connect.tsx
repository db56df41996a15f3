//! The Connect screen: everything an admin pastes into Entra ID or Okta (tenant URL, SCIM key
//! with reveal / copy / rotate), step-by-step setup for both IdPs with the real values filled in,
//! the tunnel commands for the real SCIM port, and a live "waiting for the first request" panel
//! that flips as soon as the IdP's first exchange is captured — so the admin sees the connection
//! work (or why it did not: a 401 means the pasted key is wrong) without leaving the screen.
//! The parts live in `views/connect/`; this file derives the URL to paste and composes them.

import { useMemo } from "react";
import type { ViewProps } from "./props";
import { EndpointCard, RotateKeyConfirm } from "./connect/EndpointCard";
import { FirstRequestPanel } from "./connect/FirstRequestPanel";
import { IdpInstructions } from "./connect/IdpInstructions";
import { needsTunnel, portOf, tunnelTenantUrl } from "./connect/tenantUrl";
import { TunnelCard, useRememberedTunnel } from "./connect/TunnelCard";
import { useScimEndpoint } from "./connect/useScimEndpoint";
import "./connect.css";

export function ConnectView(_props: ViewProps) {
  const scim = useScimEndpoint();
  const [tunnel, setTunnel] = useRememberedTunnel();
  const { endpoint } = scim;

  const tenantUrl = endpoint?.tenantUrl ?? "";
  const port = useMemo(() => portOf(tenantUrl), [tenantUrl]);
  const local = endpoint ? needsTunnel(tenantUrl) : false;
  const tunnelTenant = tunnelTenantUrl(tunnel, tenantUrl);
  const pasteUrl = tunnelTenant ?? (local ? tenantUrl.replace(/^https?:\/\/[^/]+/, "https://<tunnel-host>") : tenantUrl);
  const keyMasked = endpoint?.keyMasked ?? "…";
  const keyText = scim.revealed ?? keyMasked;

  return (
    <div className="connect">
      <header className="cx-header">
        <h2>Connect your IdP</h2>
        <p className="muted">
          Point Microsoft Entra ID or Okta provisioning at this endpoint. Every request shows up live in Traffic.
        </p>
      </header>

      <EndpointCard scim={scim} tenantUrl={tenantUrl} keyText={keyText} local={local} />
      <FirstRequestPanel keyMasked={keyMasked} />
      <TunnelCard port={port} tunnel={tunnel} onTunnel={setTunnel} tunnelTenant={tunnelTenant} />
      <IdpInstructions tenant={pasteUrl} keyText={keyText} copyKey={scim.copyKey} />

      {scim.confirmRotate ? <RotateKeyConfirm keyMasked={keyMasked} onConfirm={scim.rotate} onCancel={scim.cancelRotate} /> : null}
    </div>
  );
}
