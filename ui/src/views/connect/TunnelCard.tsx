//! The "Expose it with a tunnel" card: why cloud IdPs need a public HTTPS URL, the cloudflared
//! and ngrok commands for the real SCIM port, the tunnel URL the admin pastes back (remembered
//! in localStorage by `useRememberedTunnel`) and the tenant URL it gives.

import { useEffect, useState } from "react";
import { CommandLine, PasteField } from "./PasteValues";

const TUNNEL_KEY = "scimlab.tunnelUrl";

/** The tunnel URL the admin pasted, kept across visits (when storage is available). */
export function useRememberedTunnel(): [string, (tunnel: string) => void] {
  const [tunnel, setTunnel] = useState(() => {
    try {
      return localStorage.getItem(TUNNEL_KEY) ?? "";
    } catch {
      return "";
    }
  });

  useEffect(() => {
    try {
      if (tunnel) localStorage.setItem(TUNNEL_KEY, tunnel);
      else localStorage.removeItem(TUNNEL_KEY);
    } catch {
      // private mode: the tunnel URL is simply not remembered
    }
  }, [tunnel]);

  return [tunnel, setTunnel];
}

export function TunnelCard({
  port,
  tunnel,
  onTunnel,
  tunnelTenant,
}: {
  port: string;
  tunnel: string;
  onTunnel: (tunnel: string) => void;
  /** The tenant URL behind the tunnel, or null when the tunnel URL is blank or not https. */
  tunnelTenant: string | null;
}) {
  return (
    <section className="card cx-tunnel" id="tunnel" aria-label="tunnel">
      <h3>Expose it with a tunnel</h3>
      <p>
        Entra ID and Okta run in the cloud: they cannot reach <code>localhost</code> or <code>127.0.0.1</code>, and both
        require HTTPS. Run one of these on this machine to expose the SCIM port ({port}):
      </p>
      <CommandLine command={`cloudflared tunnel --url http://127.0.0.1:${port}`} />
      <CommandLine command={`ngrok http ${port}`} />
      <label className="cx-tunnel-input">
        <span>Paste the tunnel's https URL here</span>
        <input
          type="url"
          placeholder="https://something.trycloudflare.com"
          value={tunnel}
          onChange={(e) => onTunnel(e.target.value)}
          spellCheck={false}
        />
      </label>
      {tunnel && !tunnelTenant ? <p className="cx-warn">That is not an https URL: IdPs only connect over HTTPS.</p> : null}
      {tunnelTenant ? (
        <PasteField label="Tenant URL for your IdP" value={tunnelTenant} copy={tunnelTenant} testId="tunnel-tenant-url" />
      ) : (
        <p className="muted">The IdP then needs the tunnel's https address with the same path: https://&lt;tunnel-host&gt;/scim/v2.</p>
      )}
      <p className="cx-warn">
        Tunnel only the SCIM port ({port}), never the admin port: the admin API is meant for this machine alone.
      </p>
    </section>
  );
}
