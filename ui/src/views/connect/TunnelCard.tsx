//! The "Make it public" card: why cloud IdPs need a public HTTPS URL; *Make it public*, which has
//! the engine run a cloudflared quick tunnel to the SCIM port and shows its live state
//! (`tunnel.changed`): the public tenant URL with copy and Stop, the loud warning when the URL
//! changed or the tunnel stopped (a new quick tunnel has a new URL: the IdP must be updated),
//! an ngrok tunnel the admin runs, or how to install either. Below, the commands to run a tunnel
//! by hand and the URL the admin pastes back (remembered in localStorage by
//! `useRememberedTunnel`) with the tenant URL it gives.

import { useEffect, useState } from "react";
import type { TunnelState } from "../../generated";
import { CommandLine, PasteField } from "./PasteValues";
import { tunnelTenantUrl } from "./tenantUrl";

/** Where the Debian package of cloudflared is published. */
export const CLOUDFLARED_DEB =
  "https://github.com/cloudflare/cloudflared/releases/latest/download/cloudflared-linux-amd64.deb";

/** The tenant URL a running (or ngrok) tunnel gives the IdP; null when there is none. */
export function publicTenantOf(state: TunnelState | null): string | null {
  if (!state || (state.status !== "running" && state.status !== "external")) return null;
  return state.tenantUrl;
}

/** `https://host` → `https://host<basePath>` (for the URL a stopped tunnel had). */
const tenantOf = (publicUrl: string, basePath: string) => `${publicUrl.replace(/\/$/, "")}${basePath}`;

/** The path of a tenant URL (`/scim/v2`, or `/w/<slug>/scim/v2` for a workspace). */
export function basePathOf(tenantUrl: string): string {
  try {
    return new URL(tenantUrl).pathname.replace(/\/$/, "") || "/scim/v2";
  } catch {
    return "/scim/v2";
  }
}

/** The engine's tunnel as this workspace sees it: one tunnel serves every workspace, each
 *  under its own path (`tunnel.changed` carries the default workspace's tenant URL). */
export function forWorkspace(state: TunnelState | null, localTenantUrl: string): TunnelState | null {
  if (!state?.publicUrl || !state.tenantUrl) return state;
  return { ...state, tenantUrl: tunnelTenantUrl(state.publicUrl, localTenantUrl) ?? state.tenantUrl };
}

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

/** The live tunnel: what it is, its URL, and the one action that fits its state. */
function PublicTunnel({
  port,
  state,
  onStart,
  onStop,
  busy,
  basePath = "/scim/v2",
}: {
  port: string;
  state: TunnelState;
  onStart: () => void;
  onStop: () => void;
  busy: boolean;
  basePath?: string;
}) {
  const start = (label: string) => (
    <button type="button" className="primary" onClick={onStart} disabled={busy} data-testid="tunnel-start">
      {label}
    </button>
  );
  const stop = (label = "Stop") => (
    <button type="button" onClick={onStop} disabled={busy} data-testid="tunnel-stop">
      {label}
    </button>
  );
  const body = (() => {
    switch (state.status) {
      case "off":
        return (
          <>
            <div className="row">
              {start("Make it public")}
              <span className="muted">
                Runs <code>cloudflared tunnel --url http://127.0.0.1:{port}</code> on this machine and shows the public URL.
              </span>
            </div>
            {state.previousUrl ? (
              <p className="muted" data-testid="tunnel-previous">
                The tunnel on {state.previousUrl} was stopped: that URL no longer reaches ScimLab.
              </p>
            ) : null}
          </>
        );
      case "starting":
        return (
          <div className="row">
            <span className="grow" data-testid="tunnel-starting">
              Starting cloudflared: asking Cloudflare for a quick tunnel to port {port}…
            </span>
            {stop()}
          </div>
        );
      case "running":
        return (
          <>
            {state.previousUrl ? (
              <p className="cx-warn cx-loud" role="alert" data-testid="tunnel-url-changed">
                The public URL changed: update the Tenant URL in Entra ID / Okta. It was {tenantOf(state.previousUrl, basePath)}; it is
                now {state.tenantUrl}.
              </p>
            ) : null}
            <PasteField label="Public tenant URL" value={state.tenantUrl ?? ""} copy={state.tenantUrl ?? ""} testId="tunnel-public-tenant" />
            <PasteField label="Public URL (cloudflared)" value={state.publicUrl ?? ""} copy={state.publicUrl ?? ""} />
            <div className="row">
              <span className="muted grow">
                Running since {state.startedAt ? new Date(state.startedAt).toLocaleTimeString() : "now"}. A quick tunnel gets a new
                URL each time it starts: keep it running while the IdP provisions.
              </span>
              {stop()}
            </div>
          </>
        );
      case "stopped":
        return (
          <>
            <p className="cx-warn cx-loud" role="alert" data-testid="tunnel-stopped">
              stopped: {state.detail}
            </p>
            {state.previousUrl ? (
              <p data-testid="tunnel-dead-url">
                <strong>{tenantOf(state.previousUrl, basePath)} no longer works.</strong> Starting again gives a new URL: update the
                Tenant URL in Entra ID / Okta then.
              </p>
            ) : null}
            <div className="row">
              {start("Start again")}
              {stop("Dismiss")}
            </div>
          </>
        );
      case "external":
        return (
          <>
            <PasteField label="Public tenant URL" value={state.tenantUrl ?? ""} copy={state.tenantUrl ?? ""} testId="tunnel-public-tenant" />
            <p className="muted" data-testid="tunnel-external">
              ngrok forwards {state.publicUrl} to port {port}. ScimLab does not manage it: stop it where you started it.
            </p>
          </>
        );
      case "unavailable":
        return (
          <>
            <p className="cx-warn" data-testid="tunnel-unavailable">
              Neither cloudflared nor a running ngrok was found. Install cloudflared (Debian / Ubuntu: the .deb from its GitHub
              releases), then click Make it public again:
            </p>
            <CommandLine command={`curl -fsSLo cloudflared.deb ${CLOUDFLARED_DEB} && sudo dpkg -i cloudflared.deb`} />
            <p className="muted">Or start ngrok yourself; ScimLab reads its URL:</p>
            <CommandLine command={`ngrok http ${port}`} />
            {state.detail ? <p className="muted">{state.detail}</p> : null}
            <div className="row">
              {start("Try again")}
              {stop("Dismiss")}
            </div>
          </>
        );
    }
  })();
  return (
    <div className="cx-public" data-testid="tunnel-state" data-status={state.status}>
      {body}
    </div>
  );
}

export function TunnelCard({
  port,
  tunnel,
  onTunnel,
  tunnelTenant,
  state,
  onStart,
  onStop,
  busy,
  basePath = "/scim/v2",
}: {
  port: string;
  tunnel: string;
  onTunnel: (tunnel: string) => void;
  /** The tenant URL behind the pasted tunnel, or null when the tunnel URL is blank or not https. */
  tunnelTenant: string | null;
  /** The engine's tunnel (null until the endpoint is loaded). */
  state: TunnelState | null;
  onStart: () => void;
  onStop: () => void;
  /** A start or stop is in flight. */
  busy: boolean;
  /** This workspace's path on the SCIM port (for the URL a stopped tunnel had). */
  basePath?: string;
}) {
  return (
    <section className="card cx-tunnel" id="tunnel" aria-label="tunnel">
      <h3>Make it public</h3>
      <p>
        Entra ID and Okta run in the cloud: they cannot reach <code>localhost</code> or <code>127.0.0.1</code>, and both
        require HTTPS. A tunnel gives the SCIM port ({port}) a public https address.
      </p>
      {state ? <PublicTunnel port={port} state={state} onStart={onStart} onStop={onStop} busy={busy} basePath={basePath} /> : null}
      <h4>Or run a tunnel yourself</h4>
      <p className="muted">Run one of these on this machine:</p>
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
