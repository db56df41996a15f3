//! The user page (`#/users/<id>`): one user as the target app receives it — role, the profile
//! applied and why, the field-by-field mapping (MappingView: a table, or cards where a table
//! would break words), what no field used, the role history, the timeline of every exchange
//! that touched it (what changed, before → after), and the stored SCIM resource. A deleted
//! user (404) points at its traffic instead. "Replay this user" sends its whole timeline to
//! another SCIM app (views/replay/). The SCIM id is `.internal-id` (presentation mode
//! hides it).

import { useCallback, useEffect, useRef, useState } from "react";
import type { FieldResult, MappingResult, ResourceDetail, TimelineEntry } from "../../generated";
import { api, ApiError } from "../../platform";
import { useToast } from "../../state/toasts";
import { href } from "../../state/route";
import { StatusBadge } from "../../components/Badges";
import { RoleWord } from "./RoleWord";
import { EmptyState } from "../../components/EmptyState";
import { Json } from "../../components/Json";
import { CopyButton } from "../../components/CopyButton";
import { clock, dateTime, operationLabel } from "../../format";
import { USER_EVENTS, useLiveReload } from "./live";
import { ActiveBadge } from "./UserList";
import { activeOf, fieldOf } from "./model";
import { lastListHref } from "./listQuery";
import { MappingView } from "./MappingView";
import { StatusWord } from "./StatusWord";
import { ReplayDialog } from "../replay/ReplayDialog";
import { selectionText } from "../replay/store";

function valueOf(m: MappingResult | null, field: FieldResult["field"]): string {
  const f = fieldOf(m, field);
  if (!f) return "—";
  return `${f.value ?? "—"}${f.status === "mapped" ? "" : ` (${f.status})`}`;
}

function TimelineItem({ entry }: { entry: TimelineEntry }) {
  const x = entry.exchange;
  const changed = new Set(entry.changedFields);
  const fields = (entry.mappingAfter ?? entry.mappingBefore)?.fields.map((f) => f.field) ?? [];
  return (
    <li className="timeline-item" data-exchange={x.id}>
      <div className="row">
        <span className="timeline-dot" aria-hidden />
        <strong>{operationLabel(x.operation)}</strong>
        <StatusBadge status={x.status} />
        <span className="mono muted" title={`${x.method} ${x.path}${x.query ? `?${x.query}` : ""}`}>
          {x.method} {x.path}
        </span>
        <div className="grow" />
        <span className="muted" title={x.at}>
          {dateTime(x.at)}
        </span>
        <a href={href("traffic", x.id)}>#{x.id}</a>
      </div>
      {x.fault ? (
        <div className="timeline-fault" role="note">
          <span className="badge warn" title={`fault rule "${x.fault.ruleName}"`}>
            fault · {x.fault.ruleName}
          </span>{" "}
          <span>{x.fault.did}</span>
          {entry.reaction ? <div className="timeline-reaction">{entry.reaction.sentence}</div> : null}
        </div>
      ) : null}
      {entry.changedFields.length > 0 ? (
        <div className="row timeline-changes">
          {entry.changedFields.map((f) => (
            <span key={f} className="change-chip">
              <strong>{f}</strong>: {valueOf(entry.mappingBefore, f)} → {valueOf(entry.mappingAfter, f)}
            </span>
          ))}
        </div>
      ) : null}
      {entry.mappingBefore || entry.mappingAfter ? (
        <details className="timeline-details">
          <summary className="muted">mapped values before / after</summary>
          <table className="grid compact">
            <thead>
              <tr>
                <th>field</th>
                <th>before</th>
                <th>after</th>
              </tr>
            </thead>
            <tbody>
              {fields.map((f) => (
                <tr key={f} className={changed.has(f) ? "changed" : undefined}>
                  <td>{f}</td>
                  <td>{entry.mappingBefore ? valueOf(entry.mappingBefore, f) : <span className="muted">did not exist</span>}</td>
                  <td>{entry.mappingAfter ? valueOf(entry.mappingAfter, f) : <span className="muted">deleted</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      ) : null}
    </li>
  );
}

export function UserPage({ id }: { id: string }) {
  const toast = useToast();
  const [detail, setDetail] = useState<ResourceDetail | null>(null);
  const [gone, setGone] = useState<string | null>(null);
  const [replaying, setReplaying] = useState(false);

  // live reloads overlap: only the newest request's answer is shown
  const seq = useRef(0);
  const load = useCallback(async () => {
    const mine = ++seq.current;
    try {
      const d = await api.user(id);
      if (mine !== seq.current) return;
      setDetail(d);
      setGone(null);
    } catch (e) {
      if (mine !== seq.current) return;
      if (e instanceof ApiError && e.status === 404) setGone(e.message);
      else toast.error(e);
    }
  }, [id, toast]);

  useEffect(() => {
    setDetail(null);
    setGone(null);
    void load();
    return () => {
      seq.current += 1; // unmounted or another user: drop answers in flight
    };
  }, [load]);

  useLiveReload(USER_EVENTS, 300, () => void load(), (e) =>
    e.type === "resource.changed" ? e.changes.some((c) => c.id === id) : true,
  );

  const back = (
    <a href={lastListHref()} className="back-link">
      ← Users
    </a>
  );

  if (gone) {
    return (
      <div className="user-page" data-testid="user-page">
        {back}
        <EmptyState title="This user no longer exists">
          <p>It was deleted (by the IdP, or by a reset), or the id is wrong.</p>
          <p>
            Its captured exchanges stay in the traffic:{" "}
            <a href={href("traffic", null, { resource: id })}>see the traffic of this user</a>
            <span className="internal-id"> ({id})</span>.
          </p>
          <p className="muted small">{gone}</p>
        </EmptyState>
      </div>
    );
  }
  if (!detail) return <div className="muted users-loading">loading user…</div>;

  const r = detail.resource;
  const m = detail.mapping ?? null;
  const roleField = fieldOf(m, "role");
  const userName = fieldOf(m, "userName")?.value ?? (typeof r.userName === "string" ? r.userName : id);
  const displayName = fieldOf(m, "displayName")?.value;
  const history = detail.roleHistory ?? [];
  const timeline = detail.timeline ?? [];

  return (
    <div className="user-page" data-testid="user-page">
      {back}
      <div className="row user-header">
        <h2 className="user-title">{userName}</h2>
        {displayName && displayName !== userName ? <span className="muted">{displayName}</span> : null}
        <ActiveBadge active={activeOf(r)} />
        <span data-testid="user-role" className="user-role">
          <RoleWord role={m?.effectiveRole ?? "Member"} status={roleField?.status} />
        </span>
        <div className="grow" />
        <span className="internal-id row user-id">
          <span className="mono muted small">{id}</span>
          <CopyButton text={id} label="copy id" />
        </span>
        <a href={href("traffic", null, { resource: id })}>all traffic</a>
        <button type="button" onClick={() => setReplaying(true)} title="send every exchange of this user to another SCIM app, in order, and judge every answer" data-testid="replay-user">
          Replay this user
        </button>
      </div>
      {replaying ? (
        <ReplayDialog
          selection={{ user: userName, writesOnly: false }}
          what={selectionText({ user: userName, writesOnly: false })}
          onClose={() => setReplaying(false)}
        />
      ) : null}

      {m ? (
        <section className="card">
          <h3>How it maps</h3>
          <p className="profile-line">
            Profile <strong>{m.appliedProfileId}</strong>
            {m.profileId !== m.appliedProfileId ? <span className="muted"> (via {m.profileId})</span> : null}:{" "}
            <span>{m.profileExplanation}</span> <a href={href("settings")}>change the profile</a>
          </p>
          <MappingView mapping={m} />
          <h3 className="unmapped-title">Unmapped attributes</h3>
          {m.unmapped.length === 0 ? (
            <p className="muted">Every attribute the IdP sent was used by a field.</p>
          ) : (
            <>
              <p className="muted small">Sent by the IdP but read by no field of the profile (harmless unless one should have been):</p>
              <ul className="unmapped">
                {m.unmapped.map((p) => (
                  <li key={p} className="mono">
                    {p}
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>
      ) : null}

      <section className="card">
        <h3>Role history</h3>
        {history.length === 0 ? (
          <p className="muted">No role change recorded.</p>
        ) : (
          <table className="grid compact role-history">
            <thead>
              <tr>
                <th>from</th>
                <th>to</th>
                <th>status</th>
                <th>what arrived</th>
                <th>when</th>
                <th>exchange</th>
              </tr>
            </thead>
            <tbody>
              {history.map((h) => (
                <tr key={`${h.exchangeId}-${h.at}`}>
                  <td>{h.from ?? <span className="muted">created</span>}</td>
                  <td>
                    <strong>{h.to}</strong>
                  </td>
                  <td>
                    <StatusWord status={h.status} field="role" />
                  </td>
                  <td className="mono">{h.raw ?? <span className="muted">nothing</span>}</td>
                  <td className="muted" title={h.at}>
                    {dateTime(h.at)}
                  </td>
                  <td>
                    <a href={href("traffic", h.exchangeId)}>#{h.exchangeId}</a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section className="card">
        <div className="row">
          <h3>Timeline</h3>
          <span className="muted small">every exchange that touched this user, oldest first</span>
        </div>
        {timeline.length === 0 ? (
          <p className="muted">No exchange recorded for this user.</p>
        ) : (
          <ol className="timeline">
            {timeline.map((t) => (
              <TimelineItem key={t.exchange.id} entry={t} />
            ))}
          </ol>
        )}
        {detail.exchangesNextBefore !== null ? (
          <p className="muted small">
            Older exchanges: <a href={href("traffic", null, { resource: id })}>in the traffic</a>.
          </p>
        ) : null}
      </section>

      <details className="card stored-resource">
        <summary>
          <strong>Stored SCIM resource</strong> <span className="muted small">as the SCIM listener returns it</span>
        </summary>
        <div className="row stored-actions">
          <CopyButton text={() => JSON.stringify(r, null, 2)} label="copy JSON" />
          <span className="muted small">
            {typeof (r.meta as Record<string, unknown> | undefined)?.lastModified === "string"
              ? `last modified ${clock(String((r.meta as Record<string, unknown>).lastModified))}`
              : null}
          </span>
        </div>
        <Json value={r} />
      </details>
    </div>
  );
}
