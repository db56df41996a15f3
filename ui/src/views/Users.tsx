//! The Users screen (placeholder until built).
import type { ViewProps } from "./props";

export function UsersView(_props: ViewProps) {
  return <h2>Users</h2>;
}
