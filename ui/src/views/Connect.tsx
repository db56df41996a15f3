//! The Connect screen: everything an admin pastes into Entra ID or Okta (tenant URL, SCIM key
//! with reveal / copy / rotate), step-by-step setup for both IdPs with the real values filled in,
//! *Make it public* (a cloudflared quick tunnel the engine runs, its public tenant URL used in
//! the steps) or the tunnel commands for the real SCIM port, a live "waiting for the first request" panel
//! that flips as soon as the IdP's first exchange is captured, and the last failure pinned with
//! the engine's diagnosis (the key blamed only when it was the reason) until a request succeeds
//! — so the admin sees the connection work, or why it did not, without leaving the screen.
//! Simulate ▾ in the header plays an IdP when none is at hand. All of it is the current
//! workspace's (its own tenant URL and key); a workspace made from an IdP's template opens
//! that IdP's steps. The parts live in
//! `views/connect/`; this file derives the URL to paste and composes them.

import { useMemo } from "react";
import type { ViewProps } from "./props";
import { EndpointCard, RotateKeyConfirm } from "./connect/EndpointCard";
import { FirstRequestPanel } from "./connect/FirstRequestPanel";
import { LastFailureCard } from "./connect/LastFailureCard";
import { useLastFailure } from "./connect/useLastFailure";
import { SimulateMenu } from "../components/SimulateMenu";
import { IdpInstructions, tabOfTemplate } from "./connect/IdpInstructions";
import { needsTunnel, portOf, tunnelTenantUrl } from "./connect/tenantUrl";
import { basePathOf, forWorkspace, publicTenantOf, TunnelCard, useRememberedTunnel } from "./connect/TunnelCard";
import { useScimEndpoint } from "./connect/useScimEndpoint";
import "./connect.css";

export function ConnectView(_props: ViewProps) {
  const scim = useScimEndpoint();
  const [tunnel, setTunnel] = useRememberedTunnel();
  const { endpoint } = scim;
  const lastFailure = useLastFailure();

  const tenantUrl = endpoint?.tenantUrl ?? "";
  const port = useMemo(() => portOf(tenantUrl), [tenantUrl]);
  const local = endpoint ? needsTunnel(tenantUrl) : false;
  const tunnelTenant = tunnelTenantUrl(tunnel, tenantUrl);
  const tunnelState = forWorkspace(endpoint?.tunnel ?? null, tenantUrl);
  const publicTenant = publicTenantOf(tunnelState);
  const pasteUrl = publicTenant ?? tunnelTenant ?? (local ? tenantUrl.replace(/^https?:\/\/[^/]+/, "https://<tunnel-host>") : tenantUrl);
  const keyMasked = endpoint?.keyMasked ?? "…";
  const keyText = (!scim.presenting && scim.revealed) || keyMasked;

  return (
    <div className="connect">
      <header className="cx-header">
        <div className="row">
          <h2 className="grow">Connect your IdP</h2>
          <SimulateMenu />
        </div>
        <p className="muted">
          Point Microsoft Entra ID or Okta provisioning at this endpoint. Every request shows up live in Traffic.
        </p>
      </header>

      <EndpointCard scim={scim} tenantUrl={tenantUrl} keyText={keyText} local={local} />
      <FirstRequestPanel />
      <LastFailureCard state={lastFailure} detail={lastFailure.detail} keyMasked={keyMasked} />
      <TunnelCard
        port={port}
        tunnel={tunnel}
        onTunnel={setTunnel}
        tunnelTenant={tunnelTenant}
        state={tunnelState}
        basePath={basePathOf(tenantUrl)}
        onStart={scim.startTunnel}
        onStop={scim.stopTunnel}
        busy={scim.tunnelBusy}
      />
      <IdpInstructions tenant={pasteUrl} keyText={keyText} copyKey={scim.copyKey} preferred={tabOfTemplate(endpoint?.workspace?.template)} />

      {scim.confirmRotate ? <RotateKeyConfirm keyMasked={keyMasked} onConfirm={scim.rotate} onCancel={scim.cancelRotate} /> : null}
    </div>
  );
}
