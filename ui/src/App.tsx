//! The app frame: the engine connection, the sidebar (who is signed in, the workspace switcher,
//! screens, presentation mode, the live-link indicator), the team server and engine banners, and
//! the screen the hash route names — marked stale while the engine does not answer, and focused
//! when the admin switches to it (so ↑/↓ work at once). Screens live in `views/`; they remount
//! (and so reload) on a new `generation`, which switching workspace also bumps.

import { useEffect, useRef, type RefObject } from "react";
import { api } from "./platform";
import { EngineProvider, useEngine } from "./state/engine";
import { ToastProvider } from "./state/toasts";
import { href, useRoute, type Screen } from "./state/route";
import { ConnectView } from "./views/Connect";
import { TrafficView } from "./views/Traffic";
import { UsersView } from "./views/Users";
import { RolesView } from "./views/Roles";
import { ChecklistView } from "./views/Checklist";
import { FaultsView } from "./views/Faults";
import { SettingsView } from "./views/Settings";
import { StartupProblemView } from "./views/StartupProblem";
import { SimulationWatcher } from "./components/SimulationStatus";
import { EngineBanner } from "./components/EngineBanner";
import { SessionBadge } from "./components/SessionBadge";
import { TeamServerBanner } from "./components/TeamServerBanner";
import { WorkspaceSwitcher } from "./components/workspaces/WorkspaceSwitcher";
import { ReplayWatcher } from "./views/replay/ReplayWatcher";
import { usePresentation } from "./state/presentation";

const NAV: { screen: Screen; label: string; key: string }[] = [
  { screen: "connect", label: "Connect", key: "1" },
  { screen: "traffic", label: "Traffic", key: "2" },
  { screen: "users", label: "Users", key: "3" },
  { screen: "roles", label: "Roles", key: "4" },
  { screen: "checklist", label: "Checklist", key: "5" },
  // after Checklist in the sidebar; Alt+7, so the shortcuts admins learnt (Settings Alt+6) stay
  { screen: "faults", label: "Faults", key: "7" },
  { screen: "settings", label: "Settings", key: "6" },
];

function LinkState() {
  const { stream, problem, ready, down } = useEngine();
  const state = problem || down ? "closed" : !ready ? "connecting" : stream;
  const label = problem
    ? "engine not running"
    : down
      ? "engine not answering"
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

/** The presentation-mode switch in the sidebar (see state/presentation.ts). */
function PresentationSwitch() {
  const [on, setOn] = usePresentation();
  return (
    <button
      type="button"
      role="switch"
      aria-checked={on}
      className={`presentation-switch${on ? " on" : ""}`}
      title="for a shared screen: larger type, stronger colours, the SCIM key never revealed, internal ids hidden"
      onClick={() => setOn(!on)}
    >
      <span className="switch-track" aria-hidden="true">
        <span className="switch-thumb" />
      </span>
      Presentation mode
    </button>
  );
}

/** Where focus goes in a screen, best first; the screen itself when none is there. */
const FOCUS_TARGETS = ["[data-autofocus]", '[role="grid"][tabindex]', '[role="listbox"][tabindex]', "h2"];

/** The element of `root` focus should land on, and its rank in FOCUS_TARGETS. */
export function focusTarget(root: HTMLElement): { el: HTMLElement; rank: number } {
  for (let rank = 0; rank < FOCUS_TARGETS.length; rank++) {
    const el = root.querySelector<HTMLElement>(FOCUS_TARGETS[rank]);
    if (el && !el.closest("[hidden], [inert]") && !(el as HTMLButtonElement).disabled) {
      if (!el.hasAttribute("tabindex") && !el.matches("a[href], button, input, select, textarea")) el.tabIndex = -1;
      return { el, rank };
    }
  }
  return { el: root, rank: FOCUS_TARGETS.length };
}

/**
 * Move focus into the screen when the admin switches to it (Alt+1…7, a sidebar click, a link):
 * to its `[data-autofocus]` element, else its list, else its heading, else the screen. A list
 * rendered a moment later takes the focus over while the admin has not moved it. After a
 * remount (the engine came back) focus returns only if it was lost.
 */
function useScreenFocus(screen: Screen, generation: number, ref: RefObject<HTMLDivElement | null>, scroller: RefObject<HTMLElement | null>) {
  const last = useRef<{ screen: Screen; generation: number } | null>(null);
  useEffect(() => {
    const root = ref.current;
    if (!root) return;
    const before = last.current;
    last.current = { screen, generation };
    const active = document.activeElement;
    const lost = !active || active === document.body || !active.isConnected;
    if (before && before.screen === screen && before.generation === generation) return;
    if ((!before || before.screen === screen) && !lost) return;
    if (before && before.screen !== screen && scroller.current) scroller.current.scrollTop = 0;
    let target = focusTarget(root);
    target.el.focus({ preventScroll: true });
    const watcher = new MutationObserver(() => {
      const now = document.activeElement;
      if (now !== target.el && now !== document.body && now !== null) return watcher.disconnect();
      const better = focusTarget(root);
      if (better.rank < target.rank || !target.el.isConnected) {
        target = better;
        better.el.focus({ preventScroll: true });
      }
    });
    watcher.observe(root, { childList: true, subtree: true });
    const stop = setTimeout(() => watcher.disconnect(), 2000);
    return () => {
      watcher.disconnect();
      clearTimeout(stop);
    };
  }, [screen, generation, ref, scroller]);
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
  const { ready, problem, generation, down } = useEngine();
  useTitle(ready, generation);
  const screenRef = useRef<HTMLDivElement>(null);
  const contentRef = useRef<HTMLElement>(null);
  useScreenFocus(route.screen, generation, screenRef, contentRef);
  let body;
  if (problem) body = <StartupProblemView problem={problem} />;
  else if (!ready) body = <div className="loading">starting the engine…</div>;
  else {
    const props = { param: route.param, params: route.params };
    body = (
      <div
        key={generation}
        ref={screenRef}
        className={`screen${down ? " stale" : ""}`}
        data-stale={down ? "true" : undefined}
        data-screen={route.screen}
        tabIndex={-1}
      >
        {route.screen === "connect" && <ConnectView {...props} />}
        {route.screen === "traffic" && <TrafficView {...props} />}
        {route.screen === "users" && <UsersView {...props} />}
        {route.screen === "roles" && <RolesView {...props} />}
        {route.screen === "checklist" && <ChecklistView {...props} />}
        {route.screen === "faults" && <FaultsView {...props} />}
        {route.screen === "settings" && <SettingsView {...props} />}
      </div>
    );
  }
  return (
    <div className="app">
      {ready ? <SimulationWatcher /> : null}
      {ready ? <ReplayWatcher /> : null}
      <nav className="sidebar" aria-label="screens">
        <div className="brand">
          <img src="/favicon.svg" alt="" width={22} height={22} /> ScimLab
        </div>
        {ready ? <SessionBadge /> : null}
        {problem ? null : <WorkspaceSwitcher />}
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
        <PresentationSwitch />
        <LinkState />
      </nav>
      <main className="content" ref={contentRef}>
        {ready ? <TeamServerBanner /> : null}
        {ready ? <EngineBanner /> : null}
        {body}
      </main>
    </div>
  );
}

/** Alt+1…7 switch screens from anywhere. */
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
