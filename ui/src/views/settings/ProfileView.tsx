//! The profile shown when nothing is being edited: its name, the actions it allows (put it in
//! force, duplicate to edit, edit and delete a saved one), and its rules — or, for `auto`, why
//! it has none of its own.

import type { MappingProfile } from "../../generated";
import { ProfileFields } from "./ProfileFields";

export function ProfileView({
  shown,
  active,
  onUse,
  onDuplicate,
  onEdit,
  onDelete,
}: {
  shown: MappingProfile;
  active: string;
  onUse: () => void;
  onDuplicate: () => void;
  onEdit: () => void;
  onDelete: () => void;
}) {
  return (
    <>
      <div className="row">
        <h4>{shown.name}</h4>
        <div className="grow" />
        {shown.id !== active ? (
          <button className="primary" onClick={onUse}>
            Use this profile
          </button>
        ) : (
          <span className="badge good">in force</span>
        )}
        {shown.fields.length > 0 ? <button onClick={onDuplicate}>Duplicate to edit</button> : null}
        {!shown.builtin ? (
          <>
            <button onClick={onEdit}>Edit</button>
            <button className="danger" onClick={onDelete}>
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
  );
}
