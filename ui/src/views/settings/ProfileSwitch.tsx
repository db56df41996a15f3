//! Putting another mapping profile in force, safely: the question first (how many users will be
//! re-evaluated, and what may change for them), then an Undo bar that stays until dismissed or
//! until another profile is put in force, and puts the previous profile back.

import type { MappingProfile } from "../../generated";
import { Confirm } from "../../components/Confirm";
import { count } from "../../format";

/** A switch being asked about: to which profile, from which, over how many users (null: counting). */
export interface PendingSwitch {
  to: MappingProfile;
  from: string;
  users: number | null;
}

/** A switch made, that Undo reverses. */
export interface DoneSwitch {
  from: string;
  to: string;
  users: number | null;
}

/** "5,000 users", "1 user", "every user" while unknown. */
export function usersWords(users: number | null): string {
  if (users === null) return "every user";
  return `${count(users)} ${users === 1 ? "user" : "users"}`;
}

export function ConfirmProfileSwitch({
  pending,
  fromName,
  onConfirm,
  onCancel,
}: {
  pending: PendingSwitch;
  fromName: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { to, users } = pending;
  return (
    <Confirm title={`Use the ${to.name} profile?`} confirmLabel={`Use ${to.name}`} danger={false} onConfirm={onConfirm} onCancel={onCancel}>
      <p data-testid="switch-count">
        {users === null ? (
          <>Every user is re-evaluated with {to.name} in place of {fromName} (counting users…).</>
        ) : users === 0 ? (
          <>No user is stored yet: users provisioned from now on are read with {to.name}.</>
        ) : (
          <>
            <strong>{usersWords(users)}</strong> {users === 1 ? "is" : "are"} re-evaluated with {to.name} in place of {fromName}.
          </>
        )}
      </p>
      <p className="muted">
        What the app receives — userName, displayName, email and role — may change for each of them. You can undo it
        right after.
      </p>
    </Confirm>
  );
}

export function UndoProfileSwitch({
  done,
  nameOf,
  onUndo,
  onDismiss,
}: {
  done: DoneSwitch;
  nameOf: (id: string) => string;
  onUndo: () => void;
  onDismiss: () => void;
}) {
  return (
    <div className="undo-bar row" role="status" data-testid="profile-undo">
      <span className="grow">
        <strong>{nameOf(done.to)}</strong> is in force: {usersWords(done.users)} re-evaluated. Before, it was{" "}
        {nameOf(done.from)}.
      </span>
      <button className="primary" title={`put ${nameOf(done.from)} back in force`} onClick={onUndo}>
        Undo
      </button>
      <button className="ghost" aria-label="dismiss" onClick={onDismiss}>
        ×
      </button>
    </div>
  );
}
