//! The fake `../platform` for the Connect and Traffic view tests: api calls are vi.fn()s, and
//! the event stream is driven by hand through `stream.listener`. Kept apart from the render
//! harness so the mock factory imports nothing that imports the platform (no import cycle).

import { vi } from "vitest";
import type { EngineEvent } from "../generated";
// the real workspace choice: it imports nothing, so no cycle
import * as workspace from "../platform/workspace";

export type Listener = (e: EngineEvent) => void;
// on globalThis: the mock factory and the test may see two instances of this module
type Stream = { listener: Listener | null; pending: Parameters<Listener>[0][] };
const g = globalThis as unknown as { __scimlabStream?: Stream };
/** The hand-driven stream: `pending` holds events emitted before the view subscribed (the
 *  engine provider subscribes a moment after the first render), delivered when it does. */
export const stream: Stream = (g.__scimlabStream ??= { listener: null, pending: [] });

/** The object `vi.mock("../platform", () => platformMock())` should return. */
export function platformMock() {
  return {
    api: {
      endpoint: vi.fn(),
      revealKey: vi.fn(),
      rotateKey: vi.fn(),
      startTunnel: vi.fn(),
      stopTunnel: vi.fn(),
      exchanges: vi.fn(),
      exchange: vi.fn(),
      exportHar: vi.fn(),
      startSimulation: vi.fn(),
      simulation: vi.fn(),
      startReplay: vi.fn(),
      replay: vi.fn(),
      quirks: vi.fn(async () => [{ label: "entra.capitalized-op", summary: "Entra capitalises PATCH ops", rfcAllows: false }]),
      workspace: vi.fn(),
      workspaces: vi.fn(async () => []),
      session: vi.fn(async () => ({ name: null, role: "owner", via: "launchToken", canSignOut: false })),
      signOut: vi.fn(async () => undefined),
    },
    host: {
      kind: "browser",
      connection: vi.fn(async () => ({ ok: true, connection: { adminUrl: "", token: null, teamServer: null } })),
      saveFile: vi.fn(async (name: string) => name),
      saveBytes: vi.fn(async (name: string) => name),
      exportWorkspace: null,
      connectTeamServer: null,
      disconnectTeamServer: null,
      signInInBrowser: null,
    },
    ...workspace,
    setConnection: vi.fn(),
    teamServer: vi.fn(() => null),
    reloadApp: vi.fn(),
    goTo: vi.fn(),
    subscribe: vi.fn((onEvent: Listener, onState: (s: string) => void) => {
      stream.listener = onEvent;
      onState("live");
      const early = stream.pending.splice(0);
      for (const e of early) onEvent(e);
      return () => {
        stream.listener = null;
      };
    }),
    ApiError: class ApiError extends Error {},
  };
}
