//! The slim banner across the top of the content while the desktop app shows a team server
//! instead of this computer's engine: the server's address, so nobody takes the shared data on
//! screen for their own, and the way to Settings, where the app switches back. Nothing otherwise.

import { teamServer } from "../platform";
import { href } from "../state/route";

export function TeamServerBanner() {
  const url = teamServer();
  if (!url) return null;
  return (
    <div className="team-server-banner" role="note" data-testid="team-server-banner">
      <span className="team-server-banner-text">
        Team server <b className="mono">{url}</b> <span className="muted">— shared with your team, not this computer's engine</span>
      </span>
      <a href={href("settings")}>Settings</a>
    </div>
  );
}
