//! The profile editor's checks as the admin types: every source path on screen is sent to the
//! engine (`api.checkPaths`, the same parser a save uses) once typing pauses, and the answers
//! are kept per path, so a path checked before shows its error at once. Also the attribute
//! paths stored users carry (`api.seenAttributes`), for suggestions. A check that cannot be
//! made leaves the path unchecked: the save still validates.

import { useEffect, useRef, useState } from "react";
import type { SeenAttributes, SeenPath } from "../../generated";
import { api } from "../../platform";

/** Typing pauses this long before paths are checked. */
export const CHECK_DEBOUNCE_MS = 250;

export interface PathChecks {
  /** What is wrong with `path` (null: it parses; undefined: not checked yet or blank). */
  errorOf: (path: string) => string | null | undefined;
  /** Some path on screen is known not to parse. */
  invalid: boolean;
  /** Some path on screen is not checked yet. */
  pending: boolean;
}

/** The distinct non-blank paths of `paths`, trimmed. */
export function distinctPaths(paths: string[]): string[] {
  return [...new Set(paths.map((p) => p.trim()).filter(Boolean))];
}

export function usePathChecks(paths: string[]): PathChecks {
  const known = useRef(new Map<string, string | null>());
  const [, setVersion] = useState(0);
  const wanted = distinctPaths(paths);
  const unknown = wanted.filter((p) => !known.current.has(p));
  const unknownKey = JSON.stringify(unknown);

  useEffect(() => {
    const ask: string[] = JSON.parse(unknownKey);
    if (ask.length === 0) return;
    let live = true;
    const t = setTimeout(() => {
      api
        .checkPaths(ask)
        .then((checks) => {
          for (const c of checks) known.current.set(c.path.trim(), c.error);
          if (live) setVersion((v) => v + 1);
        })
        .catch(() => {
          // unchecked: the save validates anyway
        });
    }, CHECK_DEBOUNCE_MS);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [unknownKey]);

  const errorOf = (path: string) => {
    const p = path.trim();
    return p ? known.current.get(p) : undefined;
  };
  return {
    errorOf,
    invalid: wanted.some((p) => typeof known.current.get(p) === "string"),
    pending: unknown.length > 0,
  };
}

/** The attribute paths stored users carry, most common first, and how many users were read
 *  (none until loaded, or on error). */
export function useSeenPaths(): SeenAttributes {
  const [seen, setSeen] = useState<SeenAttributes>({ users: 0, paths: [] });
  useEffect(() => {
    let live = true;
    api
      .seenAttributes()
      .then((s) => {
        if (live) setSeen(s);
      })
      .catch(() => {
        // no suggestions: the editor works without them
      });
    return () => {
      live = false;
    };
  }, []);
  return seen;
}

/** Up to `max` seen paths containing `typed` (any case), leaving out those in `taken`. */
export function suggestionsFor(seen: SeenPath[], typed: string, taken: string[], max = 6): SeenPath[] {
  const needle = typed.trim().toLowerCase();
  const used = new Set(taken.map((t) => t.trim()));
  return seen.filter((s) => !used.has(s.path) && s.path.toLowerCase().includes(needle) && s.path !== typed.trim()).slice(0, max);
}
