//! The Settings screen (`#/settings`): loads the engine settings (and follows live changes),
//! then lays out the page — the mapping profiles and their editor, strict or tolerant SCIM
//! mode, retention, the listen addresses (editable on desktop, where applying restarts the
//! engine), the data reset, who has admin access with the audit log (owners), and on desktop
//! the team server the app may show instead of this computer's engine. The parts live in
//! `views/settings/`; this file only composes them and loads their stylesheet.

import { useState } from "react";
import type { EngineSettings } from "../generated";
import { api } from "../platform";
import { useEngineEvent } from "../state/engine";
import { useLoad } from "../state/useLoad";
import { href } from "../state/route";
import type { ViewProps } from "./props";
import { EngineSection } from "./settings/EngineSection";
import { ProfilesSection } from "./settings/ProfilesSection";
import { ResetDataSection } from "./settings/ResetDataSection";
import { AccessSection } from "./settings/AccessSection";
import { TeamServerSection } from "./settings/TeamServerSection";
import "./settings.css";

export function SettingsView(_props: ViewProps) {
  const [settings, setSettings] = useState<EngineSettings | null>(null);
  const load = useLoad(api.settings, setSettings);
  useEngineEvent((e) => {
    if (e.type === "settings.changed") setSettings(e.settings);
    else if (e.type === "resync") void load();
  });
  return (
    <div className="settings">
      <h2>Settings</h2>
      <ProfilesSection />
      <EngineSection settings={settings} onSettings={setSettings} />
      <ResetDataSection />
      <AccessSection />
      <TeamServerSection />
      <p className="muted small">
        The SCIM key is on the <a href={href("connect")}>Connect</a> screen.
      </p>
    </div>
  );
}
