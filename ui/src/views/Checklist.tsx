//! The Checklist screen (placeholder until built).
import type { ViewProps } from "./props";

export function ChecklistView(_props: ViewProps) {
  return <h2>Checklist</h2>;
}
