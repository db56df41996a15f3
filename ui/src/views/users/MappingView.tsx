//! The user page's field-by-field mapping — target field, source path, raw value, final value,
//! status, explanation — as a table when it fits, else as a card per field (mappingLayout.ts
//! decides, from a ResizeObserver on the space it has and the width the table measured).
//! Names and values never break inside a word: a value only wraps mid-token when that one
//! token is longer than the whole column; paths wrap at their separators.

import { Fragment, useLayoutEffect, useRef, useState, type Ref } from "react";
import type { FieldResult, MappingResult } from "../../generated";
import { rawText } from "./model";
import { breakPoints, layoutFor, overflows, type MappingLayout } from "./mappingLayout";
import { StatusWord } from "./StatusWord";

/** Text with line-break opportunities (`<wbr>`) at `breakPoints`. */
function Breakable({ text }: { text: string }) {
  const parts = breakPoints(text);
  return (
    <>
      {parts.map((p, i) => (
        <Fragment key={i}>
          {p}
          {i < parts.length - 1 ? <wbr /> : null}
        </Fragment>
      ))}
    </>
  );
}

function PathText({ f }: { f: FieldResult }) {
  return f.path ? <Breakable text={f.path} /> : <span className="muted">nothing arrived</span>;
}

/** The raw value as JSON; lists and objects may break after their commas, strings never. */
function RawText({ f }: { f: FieldResult }) {
  const text = rawText(f.raw);
  return typeof f.raw === "object" && f.raw !== null ? <Breakable text={text} /> : <>{text}</>;
}

function FinalText({ f }: { f: FieldResult }) {
  return f.value !== null ? <>{f.value}</> : <span className="muted">—</span>;
}

export function MappingTable({ mapping, tableRef }: { mapping: MappingResult; tableRef?: Ref<HTMLTableElement> }) {
  return (
    <table ref={tableRef} className="grid mapping-table" data-testid="mapping-table">
      <thead>
        <tr>
          <th>target field</th>
          <th>source path</th>
          <th>raw value</th>
          <th>final value</th>
          <th>status</th>
          <th>explanation</th>
        </tr>
      </thead>
      <tbody>
        {mapping.fields.map((f) => (
          <tr key={f.field} data-field={f.field} className={`status-${f.status}`}>
            <td className="field">
              <strong className="mapping-field" data-words>
                {f.field}
              </strong>
            </td>
            <td className="mono path">
              <span className="cell-text">
                <PathText f={f} />
              </span>
            </td>
            <td className="mono raw">
              <span className="cell-value" data-words>
                <RawText f={f} />
              </span>
            </td>
            <td className="final">
              <span className="cell-value" data-words>
                <FinalText f={f} />
              </span>
            </td>
            <td className="status">
              <StatusWord status={f.status} field={f.field} />
            </td>
            <td className="explanation">
              <span className="cell-text">{f.explanation}</span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function MappingCards({ mapping }: { mapping: MappingResult }) {
  return (
    <ol className="mapping-cards" data-testid="mapping-cards">
      {mapping.fields.map((f) => (
        <li key={f.field} data-field={f.field} className={`mapping-card status-${f.status}`}>
          <h4 className="mapping-field" data-words>
            {f.field}
          </h4>
          <div className="mapping-card-path" title="source path">
            {f.path ? <span className="muted small">from </span> : null}
            <span className="mono">
              <PathText f={f} />
            </span>
          </div>
          <div className="mapping-card-values">
            <span className="mono raw" data-words title="raw value">
              <RawText f={f} />
            </span>
            <span className="final" title="final value">
              <span aria-hidden className="muted">
                →{" "}
              </span>
              <span data-words>
                <FinalText f={f} />
              </span>
            </span>
          </div>
          <div>
            <StatusWord status={f.status} field={f.field} />
          </div>
          <p className="explanation">{f.explanation}</p>
        </li>
      ))}
    </ol>
  );
}

/** The mapping in whichever layout its space holds without breaking words. */
export function MappingView({ mapping, layout: forced }: { mapping: MappingResult; layout?: MappingLayout }) {
  const wrapRef = useRef<HTMLDivElement>(null);
  const tableRef = useRef<HTMLTableElement>(null);
  const [width, setWidth] = useState(0);
  const [needs, setNeeds] = useState<number | null>(null);
  const contentKey = JSON.stringify(mapping.fields);
  const layout = forced ?? layoutFor(width, needs);

  // new values: try the table again
  useLayoutEffect(() => setNeeds(null), [contentKey]);

  // the space available and, as a table, the width it takes: followed as the window, the zoom
  // or the type size (presentation mode) change; wider than its space means a word would not
  // fit, so cards
  useLayoutEffect(() => {
    const wrap = wrapRef.current;
    if (!wrap) return;
    const measure = () => {
      const w = wrap.clientWidth;
      setWidth(w);
      const table = tableRef.current;
      if (table && overflows(table.offsetWidth, w)) setNeeds(table.offsetWidth);
    };
    measure();
    if (typeof ResizeObserver === "undefined") return;
    const ro = new ResizeObserver(measure);
    ro.observe(wrap);
    if (tableRef.current) ro.observe(tableRef.current);
    return () => ro.disconnect();
  }, [layout, contentKey]);

  return (
    <div ref={wrapRef} className="mapping-wrap" data-layout={layout}>
      {layout === "table" ? <MappingTable mapping={mapping} tableRef={tableRef} /> : <MappingCards mapping={mapping} />}
    </div>
  );
}
