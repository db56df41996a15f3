//! Leaving the page the app runs in: loading it again (after the desktop app switched between a
//! team server and this computer's engine, so every screen starts over on the new connection)
//! and going to another address of the admin server (its sign-in page, after signing out). A
//! module of its own so tests can replace it: jsdom cannot navigate.

/** Load the app again from the start. */
export function reloadApp(): void {
  window.location.reload();
}

/** Go to `path` on the admin server (`/` shows its sign-in page once signed out). */
export function goTo(path: string): void {
  window.location.assign(path);
}
