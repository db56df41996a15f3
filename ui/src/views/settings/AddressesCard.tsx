//! The "Addresses" card: where the engine listens and stores, and how to change the SCIM
//! address — on desktop an editable field that restarts the engine on the new address (keeping
//! strict and retention), elsewhere the `scimlab serve --scim-addr` hint.

import { useEffect, useState } from "react";
import type { EngineSettings } from "../../generated";
import { host } from "../../platform";
import { useEngine } from "../../state/engine";
import { useToast } from "../../state/toasts";
import { validAddr } from "./listenAddress";

/** Where the desktop app keeps its settings file (null elsewhere, or until known). */
export function useSettingsFilePath(desktop: boolean): string | null {
  const [settingsFile, setSettingsFile] = useState<string | null>(null);
  useEffect(() => {
    if (!desktop) return;
    host
      .settingsFile()
      .then(setSettingsFile)
      .catch(() => setSettingsFile(null));
  }, [desktop]);
  return settingsFile;
}

export function AddressesCard({ settings, desktop, settingsFile }: { settings: EngineSettings; desktop: boolean; settingsFile: string | null }) {
  const toast = useToast();
  const engine = useEngine();
  const [scimAddr, setScimAddr] = useState("");
  const [restarting, setRestarting] = useState(false);

  // the field follows the address in force whenever the settings change
  useEffect(() => {
    setScimAddr(settings.scimAddr);
  }, [settings]);

  const restart = async () => {
    setRestarting(true);
    try {
      // Carry strict/retention along so the restart keeps what is in force now.
      const result = await host.restartEngine({ scimAddr: scimAddr.trim(), strict: settings.strict, retention: settings.retention });
      engine.apply(result);
      if (result.ok) toast.info(`engine restarted: SCIM listens on ${scimAddr.trim()}`);
    } catch (e) {
      toast.error(e);
      setRestarting(false);
    }
  };

  return (
    <section className="card">
      <h3>Addresses</h3>
      <table className="grid compact addr-table">
        <tbody>
          <tr>
            <td>SCIM listener</td>
            <td className="mono">{settings.scimAddr}</td>
          </tr>
          <tr>
            <td>admin listener</td>
            <td className="mono">{settings.adminAddr}</td>
          </tr>
          <tr>
            <td>database</td>
            <td className="mono">{settings.dbPath}</td>
          </tr>
          <tr>
            <td>request body limit</td>
            <td className="mono">{settings.bodyLimit.toLocaleString()} bytes</td>
          </tr>
          <tr>
            <td>stored body cap</td>
            <td className="mono">{settings.captureBodyCap.toLocaleString()} bytes</td>
          </tr>
        </tbody>
      </table>
      {desktop ? (
        <div className="addr-edit">
          <label className="field-label">
            SCIM address
            <div className="row">
              <input
                className="mono"
                value={scimAddr}
                aria-label="SCIM address"
                onChange={(e) => setScimAddr(e.target.value)}
                placeholder="127.0.0.1:8787"
              />
              <button
                className="primary"
                disabled={restarting || !validAddr(scimAddr) || scimAddr.trim() === settings.scimAddr}
                onClick={() => void restart()}
              >
                {restarting ? "restarting…" : "Apply and restart engine"}
              </button>
            </div>
          </label>
          {!validAddr(scimAddr) ? <div className="field-error">use host:port, e.g. 127.0.0.1:8787</div> : null}
          <p className="muted small">
            <code>127.0.0.1:8787</code> accepts this machine only; <code>0.0.0.0:8787</code> opens it to the LAN (for an
            IdP reaching it through a tunnel or another host). Captured data and the SCIM key stay.
            {settingsFile ? (
              <>
                {" "}
                Kept in <code>{settingsFile}</code>.
              </>
            ) : null}
          </p>
        </div>
      ) : (
        <p className="muted small">
          Set when ScimLab starts: restart it with <code>scimlab serve --scim-addr 0.0.0.0:8787</code> (or another
          address) to change where the SCIM endpoint listens.
        </p>
      )}
    </section>
  );
}
