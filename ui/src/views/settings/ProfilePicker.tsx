//! The list of mapping profiles (a listbox): which one is shown, which is in force, built-in or
//! saved. While a draft is being edited the list is locked on the draft's profile.

import type { MappingProfile, ProfileList } from "../../generated";

export function ProfilePicker({
  list,
  shownId,
  draft,
  onShow,
}: {
  list: ProfileList;
  shownId: string | undefined;
  draft: MappingProfile | null;
  onShow: (id: string) => void;
}) {
  return (
    <ul className="profile-list" role="listbox" aria-label="mapping profiles">
      {list.profiles.map((p) => (
        <li
          key={p.id}
          role="option"
          aria-selected={!draft && p.id === shownId}
          className={`${draft ? (p.id === draft.id ? "selected" : "") : p.id === shownId ? "selected" : ""}`}
          data-testid={`profile-${p.id}`}
          tabIndex={draft ? -1 : 0}
          aria-disabled={draft ? true : undefined}
          onClick={() => {
            if (!draft) onShow(p.id);
          }}
          onKeyDown={(e) => {
            if (draft || (e.key !== "Enter" && e.key !== " ")) return;
            e.preventDefault();
            onShow(p.id);
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
  );
}
