//! The engine part of the Settings screen: SCIM mode, retention and addresses, shown once the
//! settings are loaded. It owns what the three cards share — the one-change-at-a-time `busy`
//! flag and, on desktop, the settings file path (asked for as soon as the screen opens). Connected
//! to a team server, the settings are that server's: the addresses are then read-only, as in the
//! browser (restarting would restart this computer's engine, which is not the one shown).

import type { EngineSettings } from "../../generated";
import { host, teamServer } from "../../platform";
import { AddressesCard, useSettingsFilePath } from "./AddressesCard";
import { RetentionCard } from "./RetentionCard";
import { StrictModeCard } from "./StrictModeCard";
import { useSettingsUpdate } from "./useSettingsUpdate";

export function EngineSection({ settings, onSettings }: { settings: EngineSettings | null; onSettings: (s: EngineSettings) => void }) {
  const { busy, update } = useSettingsUpdate(onSettings);
  const desktop = host.kind === "desktop" && !teamServer();
  const settingsFile = useSettingsFilePath(desktop);

  if (!settings) return <section className="card"><h3>Engine</h3><p className="muted">loading settings…</p></section>;

  return (
    <>
      <StrictModeCard settings={settings} busy={busy} update={update} />
      <RetentionCard settings={settings} busy={busy} update={update} />
      <AddressesCard settings={settings} desktop={desktop} settingsFile={settingsFile} />
    </>
  );
}
