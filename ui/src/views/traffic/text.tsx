//! Text pieces of the Traffic screen: engine-written sentences (quirk explanations, failure
//! titles) with their `backticked` parts as code elements (plain text, never HTML), and a path
//! with its ids cut in the middle (each full id in its title).

import type { ReactNode } from "react";
import { pathParts } from "./display";

/** `text` with its `backticked` parts as code elements (plain text, never HTML). */
export function withCode(text: string): ReactNode[] {
  return text.split("`").map((part, i) => (i % 2 === 1 ? <code key={i}>{part}</code> : part));
}

/** A path with its ids cut in the middle (each full id in its title). */
export function PathText({ path, elideBase = false }: { path: string; elideBase?: boolean }) {
  return (
    <>
      {pathParts(path, elideBase).map((p, i) =>
        p.id === undefined ? (
          <span key={i}>{p.text}</span>
        ) : (
          <span key={i} className="tx-id" title={p.id}>
            {p.text}
          </span>
        ),
      )}
    </>
  );
}
