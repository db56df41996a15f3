//! The host the UI runs in: the Tauri desktop shell, or a plain browser on the admin listener
//! (`scimlab serve --ui`). The ONLY module that imports @tauri-apps/*. Everything else asks
//! `host` for the connection (admin URL + token), for native file saving, for restarting
//! the engine on other listen settings, and for connecting to a team server instead of this
//! computer's engine (the last two desktop only).

import type { Connection, ConnectionState, ListenSettings, LoopbackSignIn, StartupProblem } from "../generated";

export type { Connection, ConnectionState, ListenSettings, StartupProblem };

/** The host, whichever it is. */
export interface Host {
  /** `desktop` inside Tauri, `browser` otherwise. */
  kind: "desktop" | "browser";
  /** The admin connection (desktop: through the shell's `connection` command). */
  connection(): Promise<ConnectionState>;
  /** Save `contents` to a file the user picks. Resolves to where it went, or null if cancelled. */
  saveFile(suggestedName: string, contents: string, mime: string): Promise<string | null>;
  /** Save binary `bytes` (a workspace export) to a file the user picks; resolves like
   *  `saveFile`. Null where the host cannot: the desktop shell's `save_file` writes text only,
   *  so the UI shows the `scimlab workspace export` command there instead. */
  saveBytes: ((suggestedName: string, bytes: Uint8Array, mime: string) => Promise<string | null>) | null;
  /** Desktop: ask where with the native dialog and have the engine write workspace `slug`'s
   *  `.scimlab` file there (no bytes cross the IPC); resolves like `saveFile`. Null in the
   *  browser, which downloads the bytes with `saveBytes`. */
  exportWorkspace: ((slug: string, pseudonymise: boolean, suggestedName: string) => Promise<string | null>) | null;
  /** Desktop only: restart the engine with these settings; resolves to the new connection. */
  restartEngine(settings: ListenSettings): Promise<ConnectionState>;
  /** Desktop only: the file the listen settings are kept in (shown in Settings). */
  settingsFile(): Promise<string | null>;
  /** Desktop: show the team server at `url` (an admin address, checked by the UI first) with
   *  personal token `token` instead of this computer's engine, remembered across launches;
   *  resolves to its connection, rejects with what is wrong with the address or token. Null in
   *  the browser, which is already on a server. */
  connectTeamServer: ((url: string, token: string) => Promise<ConnectionState>) | null;
  /** Desktop: forget the team server; resolves to this computer's engine's connection. Null in
   *  the browser. */
  disconnectTeamServer: (() => Promise<ConnectionState>) | null;
  /** Desktop: sign in to the team server at `server` in the system browser (its identity
   *  provider), which comes back to a loopback address of the app with a one-time code for the
   *  PKCE `codeChallenge`; resolves to that code, rejects with what went wrong. Null in the
   *  browser. */
  signInInBrowser: ((server: string, codeChallenge: string, state: string) => Promise<LoopbackSignIn>) | null;
}

/** True inside the Tauri webview. */
export function isTauri(): boolean {
  return typeof window !== "undefined" && "__TAURI_INTERNALS__" in window;
}

async function invoke<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  const core = await import("@tauri-apps/api/core");
  return core.invoke<T>(cmd, args);
}

const desktop: Host = {
  kind: "desktop",
  connection: () => invoke<ConnectionState>("connection"),
  saveFile: (suggestedName, contents) => invoke<string | null>("save_file", { suggestedName, contents }),
  saveBytes: null,
  exportWorkspace: (slug, pseudonymise, suggestedName) =>
    invoke<string | null>("export_workspace", { slug, pseudonymise, suggestedName }),
  restartEngine: (settings) => invoke<ConnectionState>("restart_engine", { settings }),
  settingsFile: () => invoke<string | null>("settings_file"),
  connectTeamServer: (url, token) => invoke<ConnectionState>("connect_team_server", { url, token }),
  disconnectTeamServer: () => invoke<ConnectionState>("disconnect_team_server"),
  signInInBrowser: (server, codeChallenge, state) =>
    invoke<LoopbackSignIn>("sign_in_in_browser", { server, codeChallenge, state }),
};

/** The browser's download of `blob` as `suggestedName`. */
function download(suggestedName: string, blob: Blob): string {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = suggestedName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
  return suggestedName;
}

const browser: Host = {
  kind: "browser",
  connection: async () => ({ ok: true, connection: { adminUrl: "", token: null, teamServer: null } }),
  saveFile: async (suggestedName, contents, mime) => download(suggestedName, new Blob([contents], { type: mime })),
  saveBytes: async (suggestedName, bytes, mime) => download(suggestedName, new Blob([bytes as Uint8Array<ArrayBuffer>], { type: mime })),
  exportWorkspace: null,
  restartEngine: async () => {
    throw new Error("listen addresses are set when scimlab serve starts: restart it with --scim-addr");
  },
  settingsFile: async () => null,
  connectTeamServer: null,
  disconnectTeamServer: null,
  signInInBrowser: null,
};

/** The host this UI runs in. */
export const host: Host = isTauri() ? desktop : browser;

