//! One engine-settings change at a time: `update` sends a strict/retention change, hands the
//! answer to the owner and says what changed; `busy` is true while any change is in flight, so
//! the strict switch and the retention Apply button lock together.

import { useState } from "react";
import type { EngineSettings } from "../../generated";
import { api } from "../../platform";
import { useToast } from "../../state/toasts";

export type SettingsUpdate = (u: { strict?: boolean; retention?: number }, said: string) => Promise<void>;

export function useSettingsUpdate(onSettings: (s: EngineSettings) => void): { busy: boolean; update: SettingsUpdate } {
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const update: SettingsUpdate = async (u, said) => {
    setBusy(true);
    try {
      onSettings(await api.updateSettings(u));
      toast.info(said);
    } catch (e) {
      toast.error(e);
    } finally {
      setBusy(false);
    }
  };
  return { busy, update };
}
