//! Shown instead of the screens when the desktop shell could not start the engine — most often
//! because the SCIM port is taken by another program (or another ScimLab). Offers a free port.

import { useState } from "react";
import { host, type StartupProblem } from "../platform";
import { useEngine } from "../state/engine";
import { useToast } from "../state/toasts";

export function StartupProblemView({ problem }: { problem: StartupProblem }) {
  const { apply } = useEngine();
  const toast = useToast();
  const [addr, setAddr] = useState(problem.suggestedAddr ?? "127.0.0.1:8787");
  const [busy, setBusy] = useState(false);
  const retry = async (scimAddr: string) => {
    setBusy(true);
    try {
      apply(await host.restartEngine({ scimAddr }));
    } catch (e) {
      toast.error(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="startup-problem card" role="alert">
      <h2>{problem.kind === "scim-port-in-use" ? "The SCIM port is taken" : "The engine did not start"}</h2>
      {/* The engine's message names the CLI flags; the desktop offers a button instead. */}
      {problem.kind === "scim-port-in-use" && host.kind === "desktop" ? null : <p>{problem.message}</p>}
      {problem.kind === "scim-port-in-use" && (
        <p>
          Another program (perhaps another ScimLab) listens on <code>{problem.addr}</code>. Use another port here; the
          tenant URL in your IdP must then use it too.
        </p>
      )}
      {host.kind === "desktop" ? (
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            void retry(addr);
          }}
        >
          <label>
            SCIM address <input value={addr} onChange={(e) => setAddr(e.target.value)} aria-label="scim address" />
          </label>
          <button className="primary" disabled={busy} type="submit">
            {problem.suggestedAddr && addr === problem.suggestedAddr ? `Use ${problem.suggestedAddr}` : "Start on this address"}
          </button>
        </form>
      ) : null}
    </div>
  );
}
