//! A saved or built-in profile, read-only: one row per target field with its source paths in
//! the order they are tried, or "never read" when the field has none.

import type { MappingProfile } from "../../generated";
import { sourcesOf, TARGET_FIELDS } from "./profileEditing";

export function ProfileFields({ profile }: { profile: MappingProfile }) {
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
