//! The Settings screen (`#/settings`): the mapping profile in force and the profile editor
//! (duplicate a built-in, edit each target field's ordered source paths, save, delete), strict
//! or tolerant SCIM mode, retention, the listen addresses (editable on desktop, where applying
//! restarts the engine), and the data reset. The profile list operations are pure functions
//! exported for tests.

import { useCallback, useEffect, useState } from "react";
import type { EngineSettings, MappingProfile, ProfileList, TargetField } from "../generated";
import { api, ApiError, host } from "../platform";
import { useEngine, useEngineEvent } from "../state/engine";
import { messageOf, useToast } from "../state/toasts";
import { href } from "../state/route";
import { Confirm } from "../components/Confirm";
import type { ViewProps } from "./props";
import "./settings.css";

export const TARGET_FIELDS: TargetField[] = ["userName", "displayName", "email", "role"];

const FIELD_HINT: Record<TargetField, string> = {
  userName: "the sign-in name",
  displayName: "the name shown in the app",
  email: "where the app sends mail",
  role: "Member or Admin; Member when nothing arrives",
};

// ---- profile editing: pure list operations -------------------------------------------------

/** The sources of one field (empty when the profile has no rule for it). */
export function sourcesOf(p: MappingProfile, field: TargetField): string[] {
  return p.fields.find((f) => f.field === field)?.sources ?? [];
}

function withSources(p: MappingProfile, field: TargetField, sources: string[]): MappingProfile {
  const has = p.fields.some((f) => f.field === field);
  const fields = has
    ? p.fields.map((f) => (f.field === field ? { ...f, sources } : f))
    : [...p.fields, { field, sources }];
  // Keep the target model's order.
  fields.sort((a, b) => TARGET_FIELDS.indexOf(a.field) - TARGET_FIELDS.indexOf(b.field));
  return { ...p, fields };
}

/** Append a source path to a field (trimmed; blank paths are ignored). */
export function addSource(p: MappingProfile, field: TargetField, path: string): MappingProfile {
  const t = path.trim();
  if (!t) return p;
  return withSources(p, field, [...sourcesOf(p, field), t]);
}

/** Remove the source at `index`. */
export function removeSource(p: MappingProfile, field: TargetField, index: number): MappingProfile {
  const s = sourcesOf(p, field);
  if (index < 0 || index >= s.length) return p;
  return withSources(p, field, s.filter((_, i) => i !== index));
}

/** Move the source at `index` by `delta` (−1 up, +1 down); out of range is a no-op. */
export function moveSource(p: MappingProfile, field: TargetField, index: number, delta: number): MappingProfile {
  const s = [...sourcesOf(p, field)];
  const to = index + delta;
  if (index < 0 || index >= s.length || to < 0 || to >= s.length) return p;
  [s[index], s[to]] = [s[to], s[index]];
  return withSources(p, field, s);
}

/** Replace the source at `index`. */
export function setSource(p: MappingProfile, field: TargetField, index: number, path: string): MappingProfile {
  const s = [...sourcesOf(p, field)];
  if (index < 0 || index >= s.length) return p;
  s[index] = path;
  return withSources(p, field, s);
}

/** The field and 0-based source index a save error names (`the role rule of …, source 5: …`). */
export function badSourceOf(message: string | null): { field: TargetField; index: number } | null {
  if (!message) return null;
  const m = /\bthe (userName|displayName|email|role) rule\b.*?\bsource (\d+)/.exec(message);
  return m ? { field: m[1] as TargetField, index: Number(m[2]) - 1 } : null;
}

/** A profile id from a name: lowercase letters, digits and dashes. */
export function slugify(name: string): string {
  return name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 48);
}

/** A copy of `p` as a new admin profile, with every target field present and blank paths dropped. */
export function duplicate(p: MappingProfile, id: string, name: string): MappingProfile {
  let copy: MappingProfile = { id, name, builtin: false, fields: p.fields.map((f) => ({ ...f, sources: [...f.sources] })) };
  for (const f of TARGET_FIELDS) if (!copy.fields.some((x) => x.field === f)) copy = withSources(copy, f, []);
  return copy;
}

/** The profile as saved: blank paths dropped, paths trimmed. */
export function cleaned(p: MappingProfile): MappingProfile {
  return { ...p, fields: p.fields.map((f) => ({ ...f, sources: f.sources.map((s) => s.trim()).filter(Boolean) })) };
}

// ---- profile editor ------------------------------------------------------------------------

export function ProfileEditor({
  draft,
  onChange,
  onSave,
  onCancel,
  saving,
  error,
  isNew,
}: {
  draft: MappingProfile;
  onChange: (p: MappingProfile) => void;
  onSave: () => void;
  onCancel: () => void;
  saving: boolean;
  error: string | null;
  isNew: boolean;
}) {
  const [adding, setAdding] = useState<Record<string, string>>({});
  const bad = badSourceOf(error);
  return (
    <div className="profile-editor" data-testid="profile-editor">
      <div className="row">
        <label className="field-label">
          name
          <input value={draft.name} onChange={(e) => onChange({ ...draft, name: e.target.value })} aria-label="profile name" />
        </label>
        <span className="muted">
          id <code>{draft.id}</code>
        </span>
      </div>
      <p className="muted small">
        Each field reads its sources in order; the first that holds a usable value wins. Paths look like{" "}
        <code>userName</code>, <code>emails[type eq "work"].value</code>, <code>roles[primary eq true].value</code>,{" "}
        <code>*:employeeType</code> (any extension), <code>name.givenName + name.familyName</code>.
      </p>
      {TARGET_FIELDS.map((field) => {
        const sources = sourcesOf(draft, field);
        const pending = adding[field] ?? "";
        const add = () => {
          if (!pending.trim()) return;
          onChange(addSource(draft, field, pending));
          setAdding((a) => ({ ...a, [field]: "" }));
        };
        return (
          <div key={field} className="editor-field" data-field={field}>
            <div className="row">
              <strong>{field}</strong>
              <span className="muted small">{FIELD_HINT[field]}</span>
            </div>
            {sources.length === 0 ? <div className="muted small">no source: this field is never read</div> : null}
            <ol className="source-list">
              {sources.map((s, i) => (
                <li key={i} className="row" data-testid={`source-${field}-${i}`}>
                  <span className="source-n">{i + 1}</span>
                  <input
                    className={`mono grow ${bad && bad.field === field && bad.index === i ? "bad-input" : ""}`}
                    aria-invalid={bad !== null && bad.field === field && bad.index === i}
                    value={s}
                    aria-label={`${field} source ${i + 1}`}
                    onChange={(e) => onChange(setSource(draft, field, i, e.target.value))}
                  />
                  <button className="small" aria-label={`move ${field} source ${i + 1} up`} disabled={i === 0} onClick={() => onChange(moveSource(draft, field, i, -1))}>
                    ↑
                  </button>
                  <button
                    className="small"
                    aria-label={`move ${field} source ${i + 1} down`}
                    disabled={i === sources.length - 1}
                    onClick={() => onChange(moveSource(draft, field, i, 1))}
                  >
                    ↓
                  </button>
                  <button className="small" aria-label={`remove ${field} source ${i + 1}`} onClick={() => onChange(removeSource(draft, field, i))}>
                    ✕
                  </button>
                </li>
              ))}
            </ol>
            <div className="row add-source">
              <input
                className="mono grow"
                placeholder="add a source path…"
                aria-label={`new ${field} source`}
                value={pending}
                onChange={(e) => setAdding((a) => ({ ...a, [field]: e.target.value }))}
                onKeyDown={(e) => {
                  if (e.key === "Enter") {
                    e.preventDefault();
                    add();
                  }
                }}
              />
              <button className="small" onClick={add} disabled={!pending.trim()} aria-label={`add ${field} source`}>
                add
              </button>
            </div>
          </div>
        );
      })}
      {error ? (
        <div className="editor-error" role="alert">
          {error}
        </div>
      ) : null}
      <div className="row editor-actions">
        <button className="primary" onClick={onSave} disabled={saving || !draft.name.trim()}>
          {saving ? "saving…" : isNew ? "Save profile" : "Save changes"}
        </button>
        <button onClick={onCancel}>Cancel</button>
      </div>
    </div>
  );
}

function ProfileFields({ profile }: { profile: MappingProfile }) {
  return (
    <table className="grid compact profile-fields">
      <tbody>
        {TARGET_FIELDS.map((field) => {
          const s = sourcesOf(profile, field);
          return (
            <tr key={field}>
              <td className="field-name">
                <strong>{field}</strong>
              </td>
              <td>
                {s.length === 0 ? (
                  <span className="muted">never read{field === "role" ? " (everyone is Member)" : ""}</span>
                ) : (
                  <ol className="source-view">
                    {s.map((p, i) => (
                      <li key={i} className="mono">
                        {p}
                      </li>
                    ))}
                  </ol>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function ProfilesSection() {
  const toast = useToast();
  const [list, setList] = useState<ProfileList | null>(null);
  const [viewing, setViewing] = useState<string | null>(null);
  const [draft, setDraft] = useState<MappingProfile | null>(null);
  const [isNew, setIsNew] = useState(false);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [dup, setDup] = useState<{ from: MappingProfile; name: string; id: string; idTouched: boolean } | null>(null);
  const [deleting, setDeleting] = useState<MappingProfile | null>(null);

  const load = useCallback(async () => {
    try {
      setList(await api.profiles());
    } catch (e) {
      toast.error(e);
    }
  }, [toast]);
  useEffect(() => {
    void load();
  }, [load]);
  useEngineEvent((e) => {
    if (e.type === "mapping.changed" || e.type === "resync") void load();
  });

  if (!list) return <section className="card"><h3>Mapping profile</h3><p className="muted">loading profiles…</p></section>;

  const shownId = viewing ?? list.active;
  const shown = list.profiles.find((p) => p.id === shownId) ?? list.profiles[0];

  const choose = async (id: string) => {
    try {
      setList(await api.chooseProfile(id));
      toast.info(`profile ${id} is in force: every user is re-evaluated`);
    } catch (e) {
      toast.error(e);
    }
  };

  const startDup = (from: MappingProfile) => {
    const name = `${from.name} (copy)`;
    let id = slugify(`${from.id}-custom`);
    for (let n = 2; list.profiles.some((p) => p.id === id); n++) id = slugify(`${from.id}-custom-${n}`);
    setDup({ from, name, id, idTouched: false });
  };

  const dupIdProblem = (id: string): string | null => {
    if (!id) return "give it an id";
    if (!/^[a-z0-9][a-z0-9-]*$/.test(id)) return "use lowercase letters, digits and dashes";
    if (list.profiles.some((p) => p.id === id)) return `a profile '${id}' exists already`;
    return null;
  };

  const save = async () => {
    if (!draft) return;
    setSaving(true);
    setError(null);
    try {
      const saved = await api.saveProfile(cleaned(draft));
      toast.info(`profile ${saved.id} saved`);
      setDraft(null);
      setViewing(saved.id);
      await load();
    } catch (e) {
      setError(messageOf(e));
      // A 400 names the bad path: shown inline beside it; anything else is a toast too.
      if (!(e instanceof ApiError && e.status === 400)) toast.error(e);
    } finally {
      setSaving(false);
    }
  };

  const remove = async (p: MappingProfile) => {
    setDeleting(null);
    try {
      await api.deleteProfile(p.id);
      toast.info(`profile ${p.id} deleted${list.active === p.id ? "; auto is in force" : ""}`);
      setViewing(null);
      await load();
    } catch (e) {
      toast.error(e);
    }
  };

  return (
    <section className="card settings-profiles">
      <h3>Mapping profile</h3>
      <p className="muted">
        How IdP attributes land on the app's userName, displayName, email and role. <strong>auto</strong> reads users
        Entra created with the Entra rules and users Okta created with the Okta rules.
      </p>
      <div className="profiles-layout">
        <ul className="profile-list" role="listbox" aria-label="mapping profiles">
          {list.profiles.map((p) => (
            <li
              key={p.id}
              role="option"
              aria-selected={!draft && p.id === shown?.id}
              className={`${draft ? (p.id === draft.id ? "selected" : "") : p.id === shown?.id ? "selected" : ""}`}
              data-testid={`profile-${p.id}`}
              tabIndex={draft ? -1 : 0}
              aria-disabled={draft ? true : undefined}
              onClick={() => {
                if (!draft) setViewing(p.id);
              }}
              onKeyDown={(e) => {
                if (draft || (e.key !== "Enter" && e.key !== " ")) return;
                e.preventDefault();
                setViewing(p.id);
              }}
            >
              <div className="row">
                <strong>{p.name}</strong>
                {p.id === list.active ? <span className="badge good">in force</span> : null}
                <span className="badge neutral">{p.builtin ? "built-in" : "saved"}</span>
              </div>
              <code className="muted">{p.id}</code>
            </li>
          ))}
        </ul>
        <div className="profile-detail">
          {draft ? (
            <ProfileEditor
              draft={draft}
              onChange={(p) => {
                setDraft(p);
                setError(null);
              }}
              onSave={() => void save()}
              onCancel={() => {
                setDraft(null);
                setError(null);
              }}
              saving={saving}
              error={error}
              isNew={isNew}
            />
          ) : shown ? (
            <>
              <div className="row">
                <h4>{shown.name}</h4>
                <div className="grow" />
                {shown.id !== list.active ? (
                  <button className="primary" onClick={() => void choose(shown.id)}>
                    Use this profile
                  </button>
                ) : (
                  <span className="badge good">in force</span>
                )}
                {shown.fields.length > 0 ? <button onClick={() => startDup(shown)}>Duplicate to edit</button> : null}
                {!shown.builtin ? (
                  <>
                    <button
                      onClick={() => {
                        setIsNew(false);
                        setDraft(duplicate(shown, shown.id, shown.name));
                      }}
                    >
                      Edit
                    </button>
                    <button className="danger" onClick={() => setDeleting(shown)}>
                      Delete
                    </button>
                  </>
                ) : null}
              </div>
              {shown.id === "auto" && shown.fields.length === 0 ? (
                <p className="auto-explain">
                  auto has no rules of its own: users Entra ID created are read with the <strong>Entra ID</strong> rules,
                  users Okta created with the <strong>Okta</strong> rules, and any other client (curl, the SCIM
                  Validator) with the Entra ID rules, which read the standard attributes. Select either profile to see
                  its sources.
                </p>
              ) : (
                <ProfileFields profile={shown} />
              )}
              {shown.builtin && shown.fields.length > 0 ? <p className="muted small">Built-in profiles cannot be changed: duplicate one to edit it.</p> : null}
            </>
          ) : null}
          {dup && !draft ? (
            <div className="dup-form card" data-testid="dup-form">
              <h4>Duplicate {dup.from.name}</h4>
              <div className="row">
                <label className="field-label">
                  name
                  <input
                    autoFocus
                    value={dup.name}
                    aria-label="new profile name"
                    onChange={(e) => setDup({ ...dup, name: e.target.value, id: dup.idTouched ? dup.id : slugify(e.target.value) })}
                  />
                </label>
                <label className="field-label">
                  id
                  <input
                    className="mono"
                    value={dup.id}
                    aria-label="new profile id"
                    onChange={(e) => setDup({ ...dup, id: e.target.value, idTouched: true })}
                  />
                </label>
              </div>
              {dupIdProblem(dup.id) ? <div className="muted small">{dupIdProblem(dup.id)}</div> : null}
              <div className="row editor-actions">
                <button
                  className="primary"
                  disabled={dupIdProblem(dup.id) !== null || !dup.name.trim()}
                  onClick={() => {
                    setIsNew(true);
                    setDraft(duplicate(dup.from, dup.id, dup.name.trim()));
                    setDup(null);
                  }}
                >
                  Continue to edit
                </button>
                <button onClick={() => setDup(null)}>Cancel</button>
              </div>
            </div>
          ) : null}
        </div>
      </div>
      {deleting ? (
        <Confirm
          title={`Delete profile ${deleting.name}?`}
          confirmLabel="Delete profile"
          onConfirm={() => void remove(deleting)}
          onCancel={() => setDeleting(null)}
        >
          <p>
            The profile <code>{deleting.id}</code> is deleted.
            {list.active === deleting.id ? " It is in force: auto takes its place and every user is re-evaluated." : ""}
          </p>
        </Confirm>
      ) : null}
    </section>
  );
}

// ---- engine settings -----------------------------------------------------------------------

/** Whether `addr` looks like `host:port` with a port from 1 to 65535. */
export function validAddr(addr: string): boolean {
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(addr.trim());
  if (!m) return false;
  const port = Number(m[2]);
  return port >= 1 && port <= 65535;
}

function EngineSection({ settings, onSettings }: { settings: EngineSettings | null; onSettings: (s: EngineSettings) => void }) {
  const toast = useToast();
  const engine = useEngine();
  const [retention, setRetention] = useState("");
  const [scimAddr, setScimAddr] = useState("");
  const [settingsFile, setSettingsFile] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [restarting, setRestarting] = useState(false);
  const desktop = host.kind === "desktop";

  useEffect(() => {
    if (settings) {
      setRetention(String(settings.retention));
      setScimAddr(settings.scimAddr);
    }
  }, [settings]);

  useEffect(() => {
    if (!desktop) return;
    host
      .settingsFile()
      .then(setSettingsFile)
      .catch(() => setSettingsFile(null));
  }, [desktop]);

  if (!settings) return <section className="card"><h3>Engine</h3><p className="muted">loading settings…</p></section>;

  const update = async (u: { strict?: boolean; retention?: number }, said: string) => {
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

  const retentionN = Number(retention);
  const retentionOk = /^\d+$/.test(retention.trim()) && retentionN >= 1 && retentionN <= 10_000_000;

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
    <>
      <section className="card">
        <h3>SCIM mode</h3>
        <label className="toggle-row">
          <input
            type="checkbox"
            role="switch"
            className="switch"
            checked={settings.strict}
            disabled={busy}
            aria-label="strict RFC mode"
            onChange={(e) =>
              void update({ strict: e.target.checked }, e.target.checked ? "strict mode on: IdP quirks are now rejected" : "tolerant mode on: IdP quirks are accepted and labelled")
            }
          />
          <strong>{settings.strict ? "Strict" : "Tolerant"}</strong>
        </label>
        <span className="muted small"> strict RFC mode is {settings.strict ? "on" : "off"}; applies at once</span>
        <ul className="mode-explain">
          <li className={!settings.strict ? "current" : ""}>
            <strong>Tolerant</strong> (default): accepts what Entra ID and Okta really send, and labels each quirk in the
            traffic.
          </li>
          <li className={settings.strict ? "current" : ""}>
            <strong>Strict</strong>: answers by the letter of RFC 7643/7644 and rejects quirks, to see what a strict app
            would refuse.
          </li>
        </ul>
      </section>

      <section className="card">
        <h3>Retention</h3>
        <p className="muted">Captured exchanges kept; the oldest are dropped first. From 1 to 10 000 000.</p>
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            if (retentionOk) void update({ retention: retentionN }, `keeping the newest ${retentionN.toLocaleString()} exchanges`);
          }}
        >
          <input
            type="number"
            min={1}
            max={10_000_000}
            value={retention}
            aria-label="exchanges kept"
            className="retention-input"
            onChange={(e) => setRetention(e.target.value)}
          />
          <span className="muted">exchanges</span>
          <button type="submit" disabled={busy || !retentionOk || retentionN === settings.retention}>
            Apply
          </button>
          {!retentionOk ? <span className="field-error">use a whole number from 1 to 10 000 000</span> : null}
        </form>
      </section>

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
    </>
  );
}

function ResetSection() {
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

export function SettingsView(_props: ViewProps) {
  const toast = useToast();
  const [settings, setSettings] = useState<EngineSettings | null>(null);
  const load = useCallback(async () => {
    try {
      setSettings(await api.settings());
    } catch (e) {
      toast.error(e);
    }
  }, [toast]);
  useEffect(() => {
    void load();
  }, [load]);
  useEngineEvent((e) => {
    if (e.type === "settings.changed") setSettings(e.settings);
    else if (e.type === "resync") void load();
  });
  return (
    <div className="settings">
      <h2>Settings</h2>
      <ProfilesSection />
      <EngineSection settings={settings} onSettings={setSettings} />
      <ResetSection />
      <p className="muted small">
        The SCIM key is on the <a href={href("connect")}>Connect</a> screen.
      </p>
    </div>
  );
}
