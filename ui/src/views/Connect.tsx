//! The Connect screen (placeholder until built).
import type { ViewProps } from "./props";

export function ConnectView(_props: ViewProps) {
  return <h2>Connect</h2>;
}
