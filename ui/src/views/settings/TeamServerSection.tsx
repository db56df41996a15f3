//! "Team server" (desktop only; nothing in the browser, which is on a server already): connect
//! this app to the team's ScimLab server instead of the engine on this computer — its address,
//! then a sign-in with the organisation's account in the system browser, or a personal token
//! checked from here first (reachable, certificate trusted, token taken) — handed to the shell,
//! which remembers it across launches; or, while connected, which server it is and the way
//! back. Either way the app reloads, so every screen starts over on
//! the new connection.

import { useState, type FormEvent } from "react";
import type { ConnectionState } from "../../generated";
import { checkTeamServer, host, reloadApp, signInTeamServer, teamServer, teamServerAddress } from "../../platform";
import { messageOf } from "../../state/toasts";

export function TeamServerSection() {
  const connect = host.connectTeamServer;
  const disconnect = host.disconnectTeamServer;
  if (!connect || !disconnect) return null;
  const current = teamServer();
  return current ? <Connected url={current} disconnect={disconnect} /> : <ConnectForm connect={connect} />;
}

/** What went wrong, under the form or the button. */
function Problem({ text }: { text: string | null }) {
  return text ? (
    <div className="editor-error team-server-error" role="alert" data-testid="team-server-error">
      {text}
    </div>
  ) : null;
}

function ConnectForm({ connect }: { connect: (url: string, token: string) => Promise<ConnectionState> }) {
  const [url, setUrl] = useState("");
  const [token, setToken] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const address = teamServerAddress(url);
  const key = token.trim();

  const signIn = host.signInInBrowser;
  const [waiting, setWaiting] = useState(false);

  const signInWithAccount = async () => {
    if (busy || !address || !signIn) return;
    setBusy(true);
    setWaiting(true);
    setError(null);
    try {
      const session = await signInTeamServer(address, signIn);
      await connect(address, session.token);
      reloadApp();
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
      setWaiting(false);
    }
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy || !address || !key) return;
    setBusy(true);
    setError(null);
    try {
      await checkTeamServer(address, key);
      await connect(address, key);
      // stays busy: the app starts over on the team server
      reloadApp();
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  };

  return (
    <section className="card" data-testid="team-server">
      <h3>Team server</h3>
      <p className="muted">
        Connect this app to your team's ScimLab server instead of the engine on this computer: its address, then sign in
        with your organisation's account, or give a personal token from{" "}
        <code>scimlab admin-user add NAME --role viewer</code>.
      </p>
      <form className="row team-server-form" onSubmit={(e) => void submit(e)}>
        <label className="field-label">
          Address
          <input
            className="mono team-server-url"
            data-testid="team-server-url"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            placeholder="https://scimlab.example.com:8788"
            spellCheck={false}
            autoComplete="off"
          />
        </label>
        <label className="field-label">
          Personal token
          <input
            className="mono team-server-token"
            data-testid="team-server-token"
            type="password"
            value={token}
            onChange={(e) => setToken(e.target.value)}
            placeholder="slp_…"
            autoComplete="off"
          />
        </label>
        <button className="primary" type="submit" data-testid="team-server-connect" disabled={busy || !address || !key}>
          {busy && !waiting ? "checking…" : "Connect"}
        </button>
      </form>
      {signIn && (
        <div className="row team-server-sign-in">
          <button data-testid="team-server-sign-in" disabled={busy || !address} onClick={() => void signInWithAccount()}>
            {waiting ? "waiting for the browser…" : "Sign in with your organisation's account"}
          </button>
          <span className="muted small">opens your browser; the server must have sign-in set up (--oidc-issuer)</span>
        </div>
      )}
      <Problem text={error} />
    </section>
  );
}

function Connected({ url, disconnect }: { url: string; disconnect: () => Promise<ConnectionState> }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const leave = async () => {
    setBusy(true);
    setError(null);
    try {
      await disconnect();
      reloadApp();
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  };

  return (
    <section className="card" data-testid="team-server">
      <h3>Team server</h3>
      <p data-testid="team-server-connected">
        Connected to team server <code>{url}</code>
      </p>
      <p className="muted small">
        Every screen shows that server's shared data, with the rights of its personal token. The engine on this computer
        keeps running; this brings it back.
      </p>
      <button data-testid="team-server-disconnect" disabled={busy} onClick={() => void leave()}>
        {busy ? "switching…" : "Use this computer's engine"}
      </button>
      <Problem text={error} />
    </section>
  );
}
