//! The app frame: the engine connection, the sidebar, the live-link indicator, and the screen
//! the hash route names. Screens live in `views/`.

import { useEffect } from "react";
import { api } from "./platform";
import { EngineProvider, useEngine } from "./state/engine";
import { ToastProvider } from "./state/toasts";
import { href, useRoute, type Screen } from "./state/route";
import { ConnectView } from "./views/Connect";
import { TrafficView } from "./views/Traffic";
import { UsersView } from "./views/Users";
import { RolesView } from "./views/Roles";
import { ChecklistView } from "./views/Checklist";
import { SettingsView } from "./views/Settings";
import { StartupProblemView } from "./views/StartupProblem";
import { SimulationWatcher } from "./components/SimulationStatus";

const NAV: { screen: Screen; label: string; key: string }[] = [
  { screen: "connect", label: "Connect", key: "1" },
  { screen: "traffic", label: "Traffic", key: "2" },
  { screen: "users", label: "Users", key: "3" },
  { screen: "roles", label: "Roles", key: "4" },
  { screen: "checklist", label: "Checklist", key: "5" },
  { screen: "settings", label: "Settings", key: "6" },
];

function LinkState() {
  const { stream, problem, ready } = useEngine();
  const state = problem ? "closed" : !ready ? "connecting" : stream;
  const label = problem
    ? "engine not running"
    : state === "live"
      ? "live"
      : state === "closed"
        ? "disconnected"
        : state === "connecting"
          ? "connecting…"
          : "reconnecting…";
  return (
    <div className={`link link-${state}`} role="status" aria-live="polite" title="the live event stream from the engine">
      <span className="dot" /> {label}
    </div>
  );
}

/** The document title carries the SCIM port (the desktop shell also sets the window's). */
function useTitle(ready: boolean, generation: number) {
  useEffect(() => {
    if (!ready) {
      document.title = "ScimLab";
      return;
    }
    let cancelled = false;
    api
      .endpoint()
      .then((e) => {
        const port = /:(\d+)\//.exec(e.tenantUrl)?.[1];
        if (!cancelled && port) document.title = `ScimLab — SCIM endpoint on :${port}`;
      })
      .catch(() => {});
    return () => {
      cancelled = true;
    };
  }, [ready, generation]);
}

function Frame() {
  const route = useRoute();
  const { ready, problem, generation } = useEngine();
  useTitle(ready, generation);
  let body;
  if (problem) body = <StartupProblemView problem={problem} />;
  else if (!ready) body = <div className="loading">starting the engine…</div>;
  else {
    const props = { param: route.param, params: route.params };
    body = (
      <div key={generation} className="screen">
        {route.screen === "connect" && <ConnectView {...props} />}
        {route.screen === "traffic" && <TrafficView {...props} />}
        {route.screen === "users" && <UsersView {...props} />}
        {route.screen === "roles" && <RolesView {...props} />}
        {route.screen === "checklist" && <ChecklistView {...props} />}
        {route.screen === "settings" && <SettingsView {...props} />}
      </div>
    );
  }
  return (
    <div className="app">
      {ready ? <SimulationWatcher /> : null}
      <nav className="sidebar" aria-label="screens">
        <div className="brand">
          <img src="/favicon.svg" alt="" width={22} height={22} /> ScimLab
        </div>
        {NAV.map((n) => (
          <a
            key={n.screen}
            href={href(n.screen)}
            className={route.screen === n.screen ? "active" : ""}
            aria-current={route.screen === n.screen ? "page" : undefined}
            title={`${n.label} (Alt+${n.key})`}
          >
            {n.label}
          </a>
        ))}
        <div className="spacer" />
        <LinkState />
      </nav>
      <main className="content">{body}</main>
    </div>
  );
}

/** Alt+1…6 switch screens from anywhere. */
function onGlobalKey(e: KeyboardEvent) {
  if (!e.altKey || e.ctrlKey || e.metaKey) return;
  const n = NAV.find((x) => x.key === e.key);
  if (n) {
    e.preventDefault();
    window.location.hash = href(n.screen);
  }
}
if (typeof window !== "undefined") window.addEventListener("keydown", onGlobalKey);

export function App() {
  return (
    <ToastProvider>
      <EngineProvider>
        <Frame />
      </EngineProvider>
    </ToastProvider>
  );
}
