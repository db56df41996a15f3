//! The "Reset data" danger zone: after a confirmation, deletes every user, group and captured
//! exchange (the SCIM key and mapping profiles stay, so the IdP keeps its connection).

import { useState } from "react";
import { api } from "../../platform";
import { useToast } from "../../state/toasts";
import { Confirm } from "../../components/Confirm";

export function ResetDataSection() {
  const toast = useToast();
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const reset = async () => {
    setAsking(false);
    setBusy(true);
    try {
      const r = await api.reset();
      toast.info(`deleted ${r.deleted.users} users, ${r.deleted.groups} groups and ${r.deleted.exchanges} exchanges`);
    } catch (e) {
      toast.error(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card danger-zone">
      <h3>Reset data</h3>
      <p className="muted">
        Start a fresh rehearsal: deletes every user, group and captured exchange. The SCIM key and mapping profiles stay,
        so the IdP keeps its connection.
      </p>
      <button className="danger" disabled={busy} onClick={() => setAsking(true)}>
        {busy ? "resetting…" : "Reset data…"}
      </button>
      {asking ? (
        <Confirm title="Reset all data?" confirmLabel="Delete everything" onConfirm={() => void reset()} onCancel={() => setAsking(false)}>
          <p>This deletes every user, group and captured exchange; it keeps the SCIM key and mapping profiles.</p>
        </Confirm>
      ) : null}
    </section>
  );
}
