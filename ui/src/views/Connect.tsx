//! The Connect screen: everything an admin pastes into Entra ID or Okta (tenant URL, SCIM key
//! with reveal / copy / rotate), step-by-step setup for both IdPs with the real values filled in,
//! the tunnel commands for the real SCIM port, and a live "waiting for the first request" panel
//! that flips as soon as the IdP's first exchange is captured — so the admin sees the connection
//! work (or why it did not: a 401 means the pasted key is wrong) without leaving the screen.

import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { AuthSummary, EndpointInfo, ExchangeSummary } from "../generated";
import { api } from "../platform";
import { useEngineEvent } from "../state/engine";
import { href } from "../state/route";
import { useToast } from "../state/toasts";
import { CopyButton } from "../components/CopyButton";
import { Confirm } from "../components/Confirm";
import { IdpBadge, StatusBadge } from "../components/Badges";
import { SimulationStatus, useSimulation } from "../components/SimulationStatus";
import { clock, operationLabel } from "../format";
import type { ViewProps } from "./props";
import "./connect.css";

const TUNNEL_KEY = "scimlab.tunnelUrl";

/** The SCIM port of a tenant URL (`http://127.0.0.1:8787/scim/v2` → 8787). */
export function portOf(tenantUrl: string): string {
  try {
    const u = new URL(tenantUrl);
    return u.port || (u.protocol === "https:" ? "443" : "80");
  } catch {
    return "8787";
  }
}

/** Whether cloud IdPs cannot reach this URL directly (loopback, unspecified or private). */
export function needsTunnel(tenantUrl: string): boolean {
  try {
    const h = new URL(tenantUrl).hostname.replace(/^\[|\]$/g, "");
    return (
      h === "localhost" ||
      h === "0.0.0.0" ||
      h === "::" ||
      h === "::1" ||
      h.startsWith("127.") ||
      h.startsWith("10.") ||
      h.startsWith("192.168.") ||
      /^172\.(1[6-9]|2\d|3[01])\./.test(h) ||
      new URL(tenantUrl).protocol !== "https:"
    );
  } catch {
    return true;
  }
}

/** The tenant URL behind a tunnel: the tunnel's origin + the SCIM path; null when not https. */
export function tunnelTenantUrl(tunnel: string, tenantUrl: string): string | null {
  const raw = tunnel.trim();
  if (!raw) return null;
  try {
    const t = new URL(/^[a-z]+:\/\//i.test(raw) ? raw : `https://${raw}`);
    if (t.protocol !== "https:") return null;
    let path = "/scim/v2";
    try {
      path = new URL(tenantUrl).pathname.replace(/\/$/, "") || "/scim/v2";
    } catch {
      // keep the default path
    }
    return `${t.origin}${path}`;
  } catch {
    return null;
  }
}

/** A value the admin pastes somewhere: label, value in mono, copy button. */
function Field({ label, value, copy, testId }: { label: string; value: string; copy?: string | (() => Promise<string>); testId?: string }) {
  return (
    <div className="cx-field">
      <span className="cx-field-label">{label}</span>
      <code className="cx-value" data-testid={testId} title={value}>
        {value}
      </code>
      {copy !== undefined ? <CopyButton text={copy} /> : null}
    </div>
  );
}

function Cmd({ command }: { command: string }) {
  return (
    <div className="cx-cmd">
      <code>{command}</code>
      <CopyButton text={command} />
    </div>
  );
}

/** The exchange the panel shows; `more` counts the ones that arrived after it. */
type Seen = { summary: ExchangeSummary; live: boolean; more: number };

function FirstRequest({ keyMasked }: { keyMasked: string }) {
  const toast = useToast();
  const [seen, setSeen] = useState<Seen | null>(null);
  const [checked, setChecked] = useState(false);
  const [auth, setAuth] = useState<{ id: number; auth: AuthSummary } | null>(null);
  const sim = useSimulation();
  // bumped by every live change: a check answered after one must not undo it
  const liveChanges = useRef(0);

  const check = useCallback(() => {
    const asked = liveChanges.current;
    api
      .exchanges({}, null, 1)
      .then((page) => {
        setChecked(true);
        const first = page.items[0];
        setSeen((cur) => {
          if (liveChanges.current !== asked) {
            // the stream moved on while the check ran: only a newer exchange may replace what it showed
            return first && (!cur || first.id > cur.summary.id) ? { summary: first, live: false, more: 0 } : cur;
          }
          if (!first) return null;
          return !cur || first.id > cur.summary.id ? { summary: first, live: false, more: 0 } : cur;
        });
      })
      .catch((e) => {
        setChecked(true);
        toast.error(e);
      });
  }, [toast]);

  useEffect(check, [check]);

  useEngineEvent((e) => {
    if (e.type === "exchange.recorded" && e.exchanges.length > 0) {
      liveChanges.current += 1;
      const newest = e.exchanges[e.exchanges.length - 1];
      // the panel holds still on the first live success; a refused or older one is replaced,
      // so fixing the key flips it from "refused" to "reached" on the next request
      setSeen((cur) => {
        if (cur && newest.id <= cur.summary.id) return cur;
        if (!cur || !cur.live || cur.summary.status === 401) return { summary: newest, live: true, more: 0 };
        return { ...cur, more: cur.more + e.exchanges.length };
      });
    } else if (e.type === "reset") {
      liveChanges.current += 1;
      setSeen(null);
      setAuth(null);
    } else if (e.type === "resync") {
      check();
    }
  });

  // the auth details need the whole exchange; fetch it once the stream settles for a moment
  const seenId = seen?.summary.id;
  useEffect(() => {
    if (seenId === undefined) return;
    let live = true;
    const t = setTimeout(() => {
      api
        .exchange(seenId)
        .then((x) => live && setAuth({ id: x.id, auth: x.auth }))
        .catch(() => {
          // dropped by retention or a reset meanwhile: the status still tells the story
        });
    }, 250);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [seenId]);

  if (!seen) {
    return (
      <section className="card cx-first cx-waiting" data-testid="waiting-first-request" aria-live="polite">
        <div className="cx-first-head">
          <span className="cx-pulse" aria-hidden="true">
            <span />
          </span>
          <div>
            <h3>{checked ? "Waiting for the first request from your IdP…" : "Checking for traffic…"}</h3>
            <p className="muted">
              Paste the tenant URL and key into your IdP, then press <b>Test Connection</b> (Entra ID) or{" "}
              <b>Test Connector Configuration</b> (Okta). The request shows up here the moment it lands.
            </p>
          </div>
        </div>
        <div className="row cx-sim">
          <span className="muted">No IdP at hand?</span>
          <button className="small" disabled={sim.busy} onClick={() => void sim.start("entra")}>
            Simulate an Entra ID cycle
          </button>
          <button className="small" disabled={sim.busy} onClick={() => void sim.start("okta")}>
            Simulate an Okta cycle
          </button>
        </div>
        <SimulationStatus />
      </section>
    );
  }

  const s = seen.summary;
  const authInfo = auth && auth.id === s.id ? auth.auth : null;
  const refused = s.status === 401 || (authInfo !== null && !authInfo.matched);
  const idpWords = s.idp === "entra" ? "Microsoft Entra ID" : s.idp === "okta" ? "Okta" : "an unrecognised client";
  return (
    <section className={`card cx-first cx-seen ${refused ? "cx-refused" : ""}`} data-testid="first-request-seen" aria-live="polite">
      <div className="cx-first-head">
        <span className={`cx-check ${refused ? "bad" : "good"}`} aria-hidden="true">
          {refused ? "!" : "✓"}
        </span>
        <div className="grow">
          <h3>
            {refused
              ? `${idpWords} reached ScimLab, but the key was refused`
              : seen.live
                ? `${idpWords} reached ScimLab`
                : `Traffic is arriving — latest from ${idpWords}`}
          </h3>
          <div className="row cx-seen-line">
            <IdpBadge idp={s.idp} />
            <b>{operationLabel(s.operation)}</b>
            <code className="cx-req" title={`${s.method} ${s.path}${s.query ? `?${s.query}` : ""}`}>
              {s.method} {s.path}
              {s.query ? `?${s.query}` : ""}
            </code>
            <StatusBadge status={s.status} />
            <span className="muted">{clock(s.at)}</span>
          </div>
          <div className="cx-auth">
            {authInfo === null ? (
              <span className="muted">{s.status === 401 ? "auth: refused" : "auth: checking…"}</span>
            ) : authInfo.matched ? (
              <span className="badge good">
                key matched ({authInfo.scheme ?? "no scheme"} …{authInfo.last4})
              </span>
            ) : (
              <span className="badge bad">
                {authInfo.scheme === null
                  ? "no Authorization header sent"
                  : `key did not match (${authInfo.scheme}${authInfo.last4 ? ` …${authInfo.last4}` : ""})`}
              </span>
            )}
          </div>
        </div>
        <div className="cx-open-wrap">
          <a className="cx-open" href={href("traffic", s.id)}>
            Open in Traffic →
          </a>
          {seen.more > 0 ? (
            <a className="cx-more" href={href("traffic")}>
              +{seen.more.toLocaleString()} more since
            </a>
          ) : null}
        </div>
      </div>
      {refused ? (
        <div className="cx-fix">
          <b>How to fix it:</b> the key your IdP sent is not ScimLab's current key (it ends in{" "}
          <code>{keyMasked}</code>
          {authInfo?.last4 ? (
            <>
              ; the IdP sent one ending in <code>…{authInfo.last4}</code>
            </>
          ) : null}
          ). Copy the key above and paste it into Entra's <b>Secret Token</b> or Okta's <b>Authorization</b> (Bearer)
          field, save, and test the connection again. Did you rotate the key recently? The IdP still has the old one.
        </div>
      ) : null}
      <SimulationStatus />
    </section>
  );
}

function EntraSteps({ tenant, keyText, copyKey }: { tenant: string; keyText: string; copyKey: () => Promise<string> }) {
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
        <Field label="Tenant URL" value={tenant} copy={tenant} />
        <Field label="Secret Token" value={keyText} copy={copyKey} />
        <span className="muted">Paste the key alone: Entra adds “Bearer ” itself.</span>
      </li>
      <li>
        Click <b>Test Connection</b>. Entra sends <code>GET /Users?filter=userName eq "&lt;random guid&gt;"</code> and
        expects <code>200</code> with an empty list — which is what ScimLab answers. Then <b>Save</b>.
      </li>
      <li>
        Optional — Microsoft's newer, RFC-compliant PATCH dialect: append <code>?aadOptscim062020</code> to the Tenant URL.
        ScimLab accepts both dialects and labels which one each request used.
        <Field label="Tenant URL with the flag" value={flagged} copy={flagged} />
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

function OktaSteps({ tenant, keyText, copyKey }: { tenant: string; keyText: string; copyKey: () => Promise<string> }) {
  return (
    <ol className="cx-steps">
      <li>
        In the Okta Admin Console open your app integration → <b>General</b> → <b>App Settings</b> → <b>Edit</b> → enable{" "}
        <b>SCIM provisioning</b> → <b>Save</b>. A <b>Provisioning</b> tab appears.
      </li>
      <li>
        <b>Provisioning</b> → <b>Integration</b> → <b>Edit</b>, and fill in:
        <Field label="SCIM connector base URL" value={tenant} copy={tenant} />
        <Field label="Unique identifier field for users" value="userName" copy="userName" />
        <div className="cx-field">
          <span className="cx-field-label">Supported provisioning actions</span>
          <span>
            <b>Push New Users</b>, <b>Push Profile Updates</b> (and <b>Push Groups</b>, <b>Import New Users and Profile
            Updates</b> if you want them)
          </span>
        </div>
        <Field label="Authentication Mode" value="HTTP Header" />
        <Field label="Authorization (Bearer)" value={keyText} copy={copyKey} />
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

export function ConnectView(_props: ViewProps) {
  const toast = useToast();
  const [endpoint, setEndpoint] = useState<EndpointInfo | null>(null);
  const [revealed, setRevealed] = useState<string | null>(null);
  const [confirmRotate, setConfirmRotate] = useState(false);
  const [busy, setBusy] = useState(false);
  const [tab, setTab] = useState<"entra" | "okta">("entra");
  const [tunnel, setTunnel] = useState(() => {
    try {
      return localStorage.getItem(TUNNEL_KEY) ?? "";
    } catch {
      return "";
    }
  });

  const load = useCallback(() => {
    api
      .endpoint()
      .then(setEndpoint)
      .catch((e) => toast.error(e));
  }, [toast]);
  useEffect(load, [load]);

  useEngineEvent((e) => {
    if (e.type === "endpoint.changed") {
      setEndpoint((cur) => (cur ? { ...cur, keyMasked: e.keyMasked } : cur));
      setRevealed(null);
    } else if (e.type === "settings.changed" || e.type === "resync") {
      load();
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

  // the key is fetched on demand and only kept (and put in the page) while the admin reveals it
  const reveal = async () => {
    try {
      const { key } = await api.revealKey();
      setRevealed(key);
    } catch (e) {
      toast.error(e);
    }
  };

  const rotate = async () => {
    setConfirmRotate(false);
    setBusy(true);
    try {
      const r = await api.rotateKey();
      setEndpoint((cur) => (cur ? { ...cur, keyMasked: r.keyMasked } : cur));
      setRevealed(null);
      toast.info(`New key ${r.keyMasked} is active. Paste it into your IdP: the old key now gets 401.`);
    } catch (e) {
      toast.error(e);
    } finally {
      setBusy(false);
    }
  };

  const tenantUrl = endpoint?.tenantUrl ?? "";
  const port = useMemo(() => portOf(tenantUrl), [tenantUrl]);
  const local = endpoint ? needsTunnel(tenantUrl) : false;
  const tunnelTenant = tunnelTenantUrl(tunnel, tenantUrl);
  const pasteUrl = tunnelTenant ?? (local ? tenantUrl.replace(/^https?:\/\/[^/]+/, "https://<tunnel-host>") : tenantUrl);
  const keyMasked = endpoint?.keyMasked ?? "…";
  const keyText = revealed ?? keyMasked;
  // copying fetches the key for the clipboard only: it stays masked on screen
  const copyKey = useCallback(async () => revealed ?? (await api.revealKey()).key, [revealed]);

  return (
    <div className="connect">
      <header className="cx-header">
        <h2>Connect your IdP</h2>
        <p className="muted">
          Point Microsoft Entra ID or Okta provisioning at this endpoint. Every request shows up live in Traffic.
        </p>
      </header>

      <section className="card cx-endpoint" aria-label="endpoint">
        <div className="cx-field">
          <span className="cx-field-label">Tenant URL</span>
          <code className="cx-value cx-big" data-testid="tenant-url" title={`${tenantUrl}\nEntra: Tenant URL · Okta: SCIM connector base URL`}>
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
          {revealed ? (
            <button className="small" onClick={() => setRevealed(null)}>
              Hide
            </button>
          ) : (
            <button className="small" onClick={reveal} disabled={!endpoint}>
              Reveal
            </button>
          )}
          <CopyButton text={copyKey} title="copy the full key" />
          <button className="small cx-rotate" onClick={() => setConfirmRotate(true)} disabled={!endpoint || busy}>
            Rotate key
          </button>
        </div>
        {local ? (
          <p className="cx-note">
            This address is only reachable from this machine. Cloud IdPs need a public HTTPS URL: see{" "}
            <a href="#tunnel">Expose it with a tunnel</a> below.
          </p>
        ) : null}
      </section>

      <FirstRequest keyMasked={keyMasked} />

      <section className="card cx-tunnel" id="tunnel" aria-label="tunnel">
        <h3>Expose it with a tunnel</h3>
        <p>
          Entra ID and Okta run in the cloud: they cannot reach <code>localhost</code> or <code>127.0.0.1</code>, and both
          require HTTPS. Run one of these on this machine to expose the SCIM port ({port}):
        </p>
        <Cmd command={`cloudflared tunnel --url http://127.0.0.1:${port}`} />
        <Cmd command={`ngrok http ${port}`} />
        <label className="cx-tunnel-input">
          <span>Paste the tunnel's https URL here</span>
          <input
            type="url"
            placeholder="https://something.trycloudflare.com"
            value={tunnel}
            onChange={(e) => setTunnel(e.target.value)}
            spellCheck={false}
          />
        </label>
        {tunnel && !tunnelTenant ? <p className="cx-warn">That is not an https URL: IdPs only connect over HTTPS.</p> : null}
        {tunnelTenant ? (
          <Field label="Tenant URL for your IdP" value={tunnelTenant} copy={tunnelTenant} testId="tunnel-tenant-url" />
        ) : (
          <p className="muted">The IdP then needs the tunnel's https address with the same path: https://&lt;tunnel-host&gt;/scim/v2.</p>
        )}
        <p className="cx-warn">
          Tunnel only the SCIM port ({port}), never the admin port: the admin API is meant for this machine alone.
        </p>
      </section>

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
            <EntraSteps tenant={pasteUrl} keyText={keyText} copyKey={copyKey} />
          ) : (
            <OktaSteps tenant={pasteUrl} keyText={keyText} copyKey={copyKey} />
          )}
        </div>
      </section>

      {confirmRotate ? (
        <Confirm title="Rotate the SCIM key?" confirmLabel="Rotate key" onConfirm={rotate} onCancel={() => setConfirmRotate(false)}>
          <p>
            ScimLab makes a new key and the current one ({keyMasked}) stops working at once: your IdP gets{" "}
            <b>401 Unauthorized</b> on every request until you paste the new key into it (Entra: Secret Token; Okta:
            Authorization).
          </p>
        </Confirm>
      ) : null}
    </div>
  );
}
