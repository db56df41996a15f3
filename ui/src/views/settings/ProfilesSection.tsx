//! The Settings screen's "Mapping profile" card: loads the profiles (again on mapping changes
//! and resyncs), and owns what the card is doing — showing a profile, naming a duplicate,
//! editing a draft, confirming a delete — plus the API calls to choose, save and delete.
//! Putting another profile in force re-evaluates every user, so it asks first (saying how many
//! users) and then offers Undo, which puts the previous profile back. The pieces it shows live
//! beside it: ProfilePicker, ProfileView, DuplicateProfileForm, ProfileEditor, ProfileSwitch.

import { useState } from "react";
import type { MappingProfile, ProfileList } from "../../generated";
import { api, ApiError } from "../../platform";
import { useEngineEvent } from "../../state/engine";
import { useLoad } from "../../state/useLoad";
import { messageOf, useToast } from "../../state/toasts";
import { Confirm } from "../../components/Confirm";
import { cleaned, copyIdFor, duplicate } from "./profileEditing";
import { DuplicateProfileForm, type PendingDuplicate } from "./DuplicateProfileForm";
import { ProfileEditor } from "./ProfileEditor";
import { ProfilePicker } from "./ProfilePicker";
import { ProfileView } from "./ProfileView";
import { ConfirmProfileSwitch, UndoProfileSwitch, type PendingSwitch, type DoneSwitch } from "./ProfileSwitch";

export function ProfilesSection() {
  const toast = useToast();
  const [list, setList] = useState<ProfileList | null>(null);
  const [viewing, setViewing] = useState<string | null>(null);
  const [draft, setDraft] = useState<MappingProfile | null>(null);
  const [isNew, setIsNew] = useState(false);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [dup, setDup] = useState<PendingDuplicate | null>(null);
  const [deleting, setDeleting] = useState<MappingProfile | null>(null);
  const [asking, setAsking] = useState<PendingSwitch | null>(null);
  const [done, setDone] = useState<DoneSwitch | null>(null);

  const load = useLoad(api.profiles, setList);
  useEngineEvent((e) => {
    if (e.type === "mapping.changed" || e.type === "resync") void load();
  });

  if (!list) return <section className="card"><h3>Mapping profile</h3><p className="muted">loading profiles…</p></section>;

  const shownId = viewing ?? list.active;
  const shown = list.profiles.find((p) => p.id === shownId) ?? list.profiles[0];

  const nameOf = (id: string) => list.profiles.find((p) => p.id === id)?.name ?? id;

  /** Ask before re-evaluating every user; the dialog fills in how many there are. */
  const ask = (to: MappingProfile) => {
    setAsking({ to, from: list.active, users: null });
    api
      .users(1, 0)
      .then((page) => setAsking((a) => (a && a.to.id === to.id ? { ...a, users: page.totalResults } : a)))
      .catch(() => {
        // the dialog says "every user" without a number
      });
  };

  const choose = async (pending: PendingSwitch) => {
    setAsking(null);
    try {
      setList(await api.chooseProfile(pending.to.id));
      setDone({ from: pending.from, to: pending.to.id, users: pending.users });
    } catch (e) {
      toast.error(e);
    }
  };

  const undo = async (d: DoneSwitch) => {
    setDone(null);
    try {
      setList(await api.chooseProfile(d.from));
      toast.info(`${nameOf(d.from)} is back in force`);
    } catch (e) {
      toast.error(e);
    }
  };

  const startDup = (from: MappingProfile) => {
    setDup({ from, name: `${from.name} (copy)`, id: copyIdFor(from, list.profiles), idTouched: false });
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
      {done && list.active === done.to ? (
        <UndoProfileSwitch done={done} nameOf={nameOf} onUndo={() => void undo(done)} onDismiss={() => setDone(null)} />
      ) : null}
      <div className="profiles-layout">
        <ProfilePicker list={list} shownId={shown?.id} draft={draft} onShow={setViewing} />
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
            <ProfileView
              shown={shown}
              active={list.active}
              onUse={() => ask(shown)}
              onDuplicate={() => startDup(shown)}
              onEdit={() => {
                setIsNew(false);
                setDraft(duplicate(shown, shown.id, shown.name));
              }}
              onDelete={() => setDeleting(shown)}
            />
          ) : null}
          {dup && !draft ? (
            <DuplicateProfileForm
              dup={dup}
              profiles={list.profiles}
              onChange={setDup}
              onContinue={() => {
                setIsNew(true);
                setDraft(duplicate(dup.from, dup.id, dup.name.trim()));
                setDup(null);
              }}
              onCancel={() => setDup(null)}
            />
          ) : null}
        </div>
      </div>
      {asking ? <ConfirmProfileSwitch pending={asking} fromName={nameOf(asking.from)} onConfirm={() => void choose(asking)} onCancel={() => setAsking(null)} /> : null}
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
