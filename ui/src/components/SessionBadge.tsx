//! The "who am I" badge under the brand at the top of the sidebar: the caller's name (or
//! "admin token" for this launch's token) and role, from `GET /api/session`, asked again when the
//! screens reload; for a sign-in session, Sign out — which ends it and goes to the server's
//! sign-in page (the desktop app, signed in to a team server, goes back to its own engine). Nothing while the engine cannot say (one older than team sign-in answers 404).

import { useEffect, useState } from "react";
import type { SessionInfo, Via } from "../generated";
import { api, goTo, host, reloadApp, teamServer } from "../platform";
import { isUnreachable, useEngine, useReportError } from "../state/engine";

/** How the caller proved who it is, for the badge's tooltip. */
const VIA_WORDS: Record<Via, string> = {
  launchToken: "this launch's admin token",
  personalToken: "a personal admin token",
  signIn: "signed in",
};

/** An email breaks before its `@` rather than anywhere (the sidebar is narrow). */
function NameWithBreak({ name }: { name: string }) {
  const at = name.indexOf("@");
  if (at <= 0) return <>{name}</>;
  return (
    <>
      {name.slice(0, at)}
      <wbr />
      {name.slice(at)}
    </>
  );
}

export function SessionBadge() {
  const { ready, generation } = useEngine();
  const report = useReportError();
  const [session, setSession] = useState<SessionInfo | null>(null);
  const [leaving, setLeaving] = useState(false);

  useEffect(() => {
    if (!ready) return;
    let cancelled = false;
    api.session().then(
      (s) => {
        if (!cancelled) setSession(s);
      },
      (e: unknown) => {
        // an engine that is away keeps the badge; one that answers without a session hides it
        if (!cancelled && !isUnreachable(e)) setSession(null);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [ready, generation]);

  if (!session) return null;
  const name = session.name ?? "admin token";

  const signOut = async () => {
    setLeaving(true);
    try {
      await api.signOut();
      if (teamServer() && host.disconnectTeamServer) {
        // the desktop app's own session on a team server: ended there, then forgotten here
        await host.disconnectTeamServer();
        reloadApp();
      } else {
        goTo("/");
      }
    } catch (e) {
      report(e);
      setLeaving(false);
    }
  };

  return (
    <div className="session-badge" data-testid="session-badge" title={`${name}, ${session.role} (${VIA_WORDS[session.via] ?? session.via})`}>
      <span className="session-name">
        <NameWithBreak name={name} />
      </span>
      <div className="session-role-row">
        <span className="badge neutral">{session.role}</span>
        {session.canSignOut ? (
          <button className="small" data-testid="sign-out" disabled={leaving} onClick={() => void signOut()}>
            {leaving ? "signing out…" : "Sign out"}
          </button>
        ) : null}
      </div>
    </div>
  );
}
