//! The Roles screen (placeholder until built).
import type { ViewProps } from "./props";

export function RolesView(_props: ViewProps) {
  return <h2>Roles</h2>;
}
