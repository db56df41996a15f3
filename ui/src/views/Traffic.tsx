//! The Traffic screen (placeholder until built).
import type { ViewProps } from "./props";

export function TrafficView(_props: ViewProps) {
  return <h2>Traffic</h2>;
}
