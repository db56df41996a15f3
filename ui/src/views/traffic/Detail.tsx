//! The Traffic detail pane: one exchange, whole — a faulted one opens on the fault rule that
//! answered it and what the IdP did next (FaultSection.tsx, refreshed while that IdP sends more),
//! a failure on why it failed (the red banner of WhyItFailed.tsx, before anything else), then what it was and why ScimLab thinks the
//! IdP sent it, how the key figured in the answer, the query decoded, the quirks it relied on in
//! plain words, request and response (headers and pretty bodies), what it did to the stored
//! resource (a diff), and "copy as curl" to replay it. Internal ids are cut in the middle and
//! marked `internal-id` (presentation mode hides them).

import { useEffect, useMemo, useRef, useState } from "react";
import type { ExchangeDetail as ExchangeData } from "../../generated";
import { api } from "../../platform";
import { href } from "../../state/route";
import { useToast } from "../../state/toasts";
import { useEngineEvent } from "../../state/engine";
import { CopyButton } from "../../components/CopyButton";
import { Json, tryParse } from "../../components/Json";
import { IdpBadge, QuirkBadge, StatusBadge } from "../../components/Badges";
import { dateTime, latency, operationLabel } from "../../format";
import { buildCurl } from "../../curl";
import { useQuirks, type QuirkInfo } from "../../quirks";
import { brief, diffJson } from "./jsonDiff";
import { queryParams, shortId } from "./display";
import { PathText, withCode } from "./text";
import { AuthLine, WhyItFailed } from "./WhyItFailed";
import { FaultSection } from "./FaultSection";

export { withCode };

function Headers({ headers, testId }: { headers: Array<[string, string]>; testId: string }) {
  if (headers.length === 0) return <p className="muted tx-none">no headers</p>;
  return (
    <table className="tx-headers" data-testid={testId}>
      <tbody>
        {headers.map(([k, v], i) => (
          <tr key={`${k}-${i}`}>
            <th>{k}</th>
            <td>{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Body({ text, truncated, what }: { text: string | null; truncated: boolean; what: string }) {
  if (text === null || text === "") return <p className="muted tx-none">no body</p>;
  const parsed = tryParse(text);
  const copyText = parsed === undefined ? text : JSON.stringify(parsed, null, 2);
  return (
    <div className="tx-body">
      <div className="tx-body-tools">
        {truncated ? (
          <span className="badge warn" title="bodies are stored up to --capture-body-cap (256 KiB by default)">
            truncated: only the first part was captured
          </span>
        ) : null}
        <span className="grow" />
        <CopyButton text={copyText} label={`copy ${what} body`} />
      </div>
      <Json text={text} />
    </div>
  );
}

function Diff({ before, after }: { before: unknown; after: unknown }) {
  const entries = useMemo(() => diffJson(before, after), [before, after]);
  if (entries.length === 0) return <p className="muted tx-none">the stored resource did not change</p>;
  return (
    <table className="tx-diff" data-testid="resource-diff">
      <tbody>
        {entries.map((e) => (
          <tr key={`${e.kind}-${e.path}`} className={`tx-diff-${e.kind}`}>
            <td className="tx-diff-sign">{e.kind === "added" ? "+" : e.kind === "removed" ? "−" : "~"}</td>
            <th>{e.path}</th>
            <td>
              {e.kind === "changed" ? (
                <>
                  <del>{brief(e.before)}</del> → <ins>{brief(e.after)}</ins>
                </>
              ) : e.kind === "added" ? (
                <ins>{brief(e.after)}</ins>
              ) : (
                <del>{brief(e.before)}</del>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The query string decoded, one parameter a line (the raw one in the title). */
function Query({ query }: { query: string }) {
  const params = queryParams(query);
  return (
    <table className="tx-query" title={`?${query}`} data-testid="query-params">
      <tbody>
        {params.map((p, i) => (
          <tr key={i}>
            <th>{p.name}</th>
            <td className="mono">{p.value ?? ""}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Quirk({ label, info }: { label: string; info: QuirkInfo | undefined }) {
  return (
    <li>
      <QuirkBadge label={label} />{" "}
      {info ? (
        <>
          <span>{withCode(info.summary)}</span>{" "}
          <span className={`badge ${info.rfcAllows ? "good" : "warn"}`}>{info.rfcAllows ? "RFC allows it" : "outside RFC 7644"}</span>
        </>
      ) : null}
    </li>
  );
}

export function ExchangeDetail({
  id,
  origin,
  onClose,
  onOnlyResource,
}: {
  id: number;
  /** Origin of the SCIM listener, for copy-as-curl. */
  origin: string;
  onClose: () => void;
  onOnlyResource: (resourceId: string) => void;
}) {
  const toast = useToast();
  const quirks = useQuirks();
  const [ex, setEx] = useState<ExchangeData | null>(null);
  const [failed, setFailed] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    setFailed(null);
    api
      .exchange(id)
      .then((x) => live && setEx(x))
      .catch((e: unknown) => {
        if (!live) return;
        setEx(null);
        setFailed(e instanceof Error ? e.message : String(e));
        toast.error(e);
      });
    return () => {
      live = false;
    };
  }, [id, toast]);

  const current = ex && ex.id === id ? ex : null;

  // A faulted exchange's reaction is read from the IdP's later requests: when that IdP sends
  // more, ask again (at most once a second) so "what the IdP did next" follows live.
  const refresh = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (refresh.current) clearTimeout(refresh.current);
      refresh.current = null;
    },
    [id],
  );
  useEngineEvent((e) => {
    if (e.type !== "exchange.recorded" || !current?.fault || refresh.current) return;
    if (!e.exchanges.some((x) => x.id > current.id && x.idp === current.idp)) return;
    const wanted = current.id;
    refresh.current = setTimeout(() => {
      refresh.current = null;
      api
        .exchange(wanted)
        .then((x) => setEx((now) => (now && now.id === wanted ? x : now)))
        .catch(() => {
          // keep what is shown; the next request tries again
        });
    }, 1000);
  });
  const hasDiff = current !== null && (current.before != null || current.after != null);

  return (
    <aside className="tx-detail" data-testid="exchange-detail" aria-label={`exchange ${id}`}>
      <div className="tx-detail-head">
        <span className="tx-detail-title" title={current ? `${current.method} ${current.path}` : undefined}>
          {current ? (
            <>
              <b>{current.method}</b>{" "}
              <span className="mono">
                <PathText path={current.path} />
              </span>
            </>
          ) : (
            `exchange #${id}`
          )}
        </span>
        {current ? <CopyButton text={() => buildCurl(current, origin)} label="copy as curl" title="a curl command that replays this request; the key stays in $SCIM_KEY" /> : null}
        <button className="ghost tx-close" onClick={onClose} aria-label="close the detail (Esc)" title="close (Esc)">
          ×
        </button>
      </div>
      {failed ? (
        <p className="tx-failed">{failed}</p>
      ) : !current ? (
        <p className="muted tx-none">loading…</p>
      ) : (
        <div className="tx-detail-body" key={current.id}>
          {current.fault ? <FaultSection fault={current.fault} reaction={current.reaction ?? null} /> : null}
          {current.status >= 400 || current.status === 0 ? <WhyItFailed status={current.status} diagnosis={current.diagnosis ?? null} quirks={quirks} /> : null}
          <div className="row tx-summary">
            <StatusBadge status={current.status} />
            <b>{operationLabel(current.operation)}</b>
            <span className="muted">{dateTime(current.at)}</span>
            <span className="muted">{latency(current.latencyMs)}</span>
            <span className="muted internal-id" title="exchange id">
              #{current.id}
            </span>
            {current.foldCount !== undefined ? (
              <span className="muted" data-testid="fold-summary" title="requests without a valid key are folded by client, user-agent and reason; the first is the one shown">
                ×{current.foldCount} refused alike, last {current.lastAt ? dateTime(current.lastAt) : "?"}
              </span>
            ) : null}
            {current.clientAddr ? <span className="muted" title="client address (behind a tunnel: the client it names, via the tunnel's address)">from {current.clientAddr}</span> : null}
          </div>
          {current.query ? <Query query={current.query} /> : null}

          <dl className="tx-facts">
            <dt>IdP</dt>
            <dd>
              <IdpBadge idp={current.idp} /> <span className="muted">{current.idpReason}</span>
            </dd>
            <dt>Auth</dt>
            <dd>
              <AuthLine auth={current.auth} />
            </dd>
            {current.resourceId ? (
              <>
                <dt>Resource</dt>
                <dd>
                  {current.resourceType ?? "resource"} <b>{current.resourceName ?? ""}</b>{" "}
                  <span className="mono muted internal-id" title={current.resourceId}>
                    {shortId(current.resourceId)}
                  </span>
                  <span className="tx-links">
                    {current.resourceType === "User" ? <a href={href("users", current.resourceId)}>open user</a> : null}
                    <button type="button" className="link-button" onClick={() => onOnlyResource(current.resourceId!)}>
                      only this resource
                    </button>
                  </span>
                </dd>
              </>
            ) : null}
          </dl>

          {current.quirks.length > 0 ? (
            <section>
              <h4>Quirks this request relied on</h4>
              <ul className="tx-quirks">
                {current.quirks.map((q) => (
                  <Quirk key={q} label={q} info={quirks.get(q)} />
                ))}
              </ul>
            </section>
          ) : null}

          <section>
            <h4>Request</h4>
            <Headers headers={current.requestHeaders} testId="request-headers" />
            <Body text={current.requestBody} truncated={current.requestTruncated} what="request" />
          </section>

          <section>
            <h4>
              Response <StatusBadge status={current.status} />
            </h4>
            <Headers headers={current.responseHeaders} testId="response-headers" />
            <Body text={current.responseBody} truncated={current.responseTruncated} what="response" />
          </section>

          {hasDiff ? (
            <section>
              <h4>What it changed in the stored {current.resourceType?.toLowerCase() ?? "resource"}</h4>
              <Diff before={current.before} after={current.after} />
            </section>
          ) : null}
        </div>
      )}
    </aside>
  );
}
