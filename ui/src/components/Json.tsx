//! Pretty JSON with syntax colouring, as React elements (no innerHTML: captured bodies are
//! untrusted input from the network). Text that is not JSON is shown as is.

import type { ReactNode } from "react";

/** Parse `text` as JSON, or undefined when it is not JSON. */
export function tryParse(text: string | null | undefined): unknown {
  if (text === null || text === undefined || text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function render(value: unknown, indent: number, key: string): ReactNode {
  const pad = "  ".repeat(indent);
  if (value === null) return <span className="j-null">null</span>;
  if (typeof value === "string") return <span className="j-str">{JSON.stringify(value)}</span>;
  if (typeof value === "number") return <span className="j-num">{String(value)}</span>;
  if (typeof value === "boolean") return <span className="j-bool">{String(value)}</span>;
  if (Array.isArray(value)) {
    if (value.length === 0) return <span className="j-punc">[]</span>;
    return (
      <>
        <span className="j-punc">[</span>
        {"\n"}
        {value.map((v, i) => (
          <span key={`${key}.${i}`}>
            {pad}
            {"  "}
            {render(v, indent + 1, `${key}.${i}`)}
            {i < value.length - 1 ? <span className="j-punc">,</span> : null}
            {"\n"}
          </span>
        ))}
        {pad}
        <span className="j-punc">]</span>
      </>
    );
  }
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return <span className="j-punc">{"{}"}</span>;
    return (
      <>
        <span className="j-punc">{"{"}</span>
        {"\n"}
        {entries.map(([k, v], i) => (
          <span key={`${key}.${k}`}>
            {pad}
            {"  "}
            <span className="j-key">{JSON.stringify(k)}</span>
            <span className="j-punc">: </span>
            {render(v, indent + 1, `${key}.${k}`)}
            {i < entries.length - 1 ? <span className="j-punc">,</span> : null}
            {"\n"}
          </span>
        ))}
        {pad}
        <span className="j-punc">{"}"}</span>
      </>
    );
  }
  return <span>{String(value)}</span>;
}

/** A JSON value or a body text, pretty-printed and coloured. */
export function Json({ value, text }: { value?: unknown; text?: string | null }) {
  if (text !== undefined) {
    const parsed = tryParse(text);
    if (parsed === undefined) return <pre className="code">{text ?? ""}</pre>;
    return <pre className="code">{render(parsed, 0, "$")}</pre>;
  }
  return <pre className="code">{render(value, 0, "$")}</pre>;
}
