//! When the user page's field-by-field mapping is a table and when it is a card per field: a
//! table only when the space holds it without breaking a name or a value inside a word; below
//! `NARROW_PX`, or when the table measured wider than its space (long emails on a 1024 px
//! shared screen), cards. Also where paths and JSON may break (after `.`, `:`, `,` and before
//! `[`), so a long URN wraps at its separators rather than mid-word. No React here.

/** Below this container width the mapping is always cards. */
export const NARROW_PX = 720;

export type MappingLayout = "table" | "cards";

/**
 * The layout for a container `width` px wide (0: not measured, e.g. no layout engine), given
 * `needs`, the width the table took when it last did not fit (null: it fit, or never measured).
 */
export function layoutFor(width: number, needs: number | null): MappingLayout {
  if (width <= 0) return "table";
  if (width < NARROW_PX) return "cards";
  if (needs !== null && width < needs) return "cards";
  return "table";
}

/** Whether a table `tableWidth` px wide overflows a container `width` px wide. */
export function overflows(tableWidth: number, width: number): boolean {
  return width > 0 && tableWidth > width + 1;
}

/**
 * `text` cut where a line may break without splitting a word: after `.`, `:`, `,` and `/`,
 * and before `[` (so `urn:ietf:…:User:employeeType` wraps at its colons). Joining the pieces
 * gives `text` back.
 */
export function breakPoints(text: string): string[] {
  const parts: string[] = [];
  let cur = "";
  for (const ch of text) {
    if (ch === "[" && cur !== "") {
      parts.push(cur);
      cur = "";
    }
    cur += ch;
    if (ch === "." || ch === ":" || ch === "," || ch === "/") {
      parts.push(cur);
      cur = "";
    }
  }
  if (cur !== "") parts.push(cur);
  return parts;
}
