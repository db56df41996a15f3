//! The Settings screen (placeholder until built).
import type { ViewProps } from "./props";

export function SettingsView(_props: ViewProps) {
  return <h2>Settings</h2>;
}
