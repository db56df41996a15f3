//! What a screen shows when there is nothing yet: what it is for and what to do next.

import type { ReactNode } from "react";

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty" role="status">
      <h3>{title}</h3>
      {children ? <div className="empty-body">{children}</div> : null}
    </div>
  );
}
