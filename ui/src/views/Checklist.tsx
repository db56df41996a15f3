//! The Checklist screen (`#/checklist/entra`, `#/checklist/okta`): the setup checklist scored
//! from the captured traffic for one IdP — score, every item with its verdict, what was seen,
//! the exchanges it rests on, and for warn/fail the fix in the IdP portal's words. Reloads
//! (debounced 500 ms) as traffic arrives; "Export report" saves the HTML hand-over report (for
//! the customer: checklist, roles, users, failing requests) or the Markdown checklist; Simulate ▾
//! fills the items without an IdP. Check ids are internal (hidden in presentation mode).

import { useCallback, useEffect, useRef, useState } from "react";
import type { CheckItem, ChecklistReply, EngineEvent } from "../generated";
import { api, host, type ReportFormat } from "../platform";
import { useToast } from "../state/toasts";
import { useEngine, useReportError } from "../state/engine";
import { href } from "../state/route";
import { CheckBadge } from "../components/Badges";
import { SimulateMenu } from "../components/SimulateMenu";
import { count, idpName } from "../format";
import type { ViewProps } from "./props";
import { useLiveReload } from "./users/live";
import "./checklist.css";

type ChecklistIdp = "entra" | "okta";
const TABS: { idp: ChecklistIdp; label: string }[] = [
  { idp: "entra", label: idpName("entra") },
  { idp: "okta", label: idpName("okta") },
];
const EVENTS: EngineEvent["type"][] = ["exchange.recorded", "resource.changed", "mapping.changed", "mapping.progress", "reset", "resync"];

/** The IdP a route names (`entra` unless it says `okta`). */
export function idpOf(param: string | null): ChecklistIdp {
  return param === "okta" ? "okta" : "entra";
}

/** What traffic fills the items, per IdP (for the not-yet-seen state). */
const FILLS: Record<ChecklistIdp, [string, string][]> = {
  entra: [
    ["Test Connection (Provisioning → Admin Credentials)", "connection test, authorization header"],
    ["Provisioning a test user (Provision on demand, or the next cycle)", "required and extra attributes, attribute names, role present and valid, active still mapped"],
    ["Changing a provisioned user's attribute", "profile updates, PATCH dialect"],
    ["Removing a user's assignment or blocking sign-in", "deactivation"],
  ],
  okta: [
    ["Test Connector Configuration (Provisioning → Integration)", "connection test, authorization header"],
    ["Assigning a test user to the app", "required, extra and custom attributes, attribute names, role present and valid, Sync Password"],
    ["Changing a provisioned user's profile", "profile updates, role kept on updates, update mode (PUT or PATCH)"],
    ["Unassigning a user from the app", "deactivation"],
  ],
};

/** One checklist item (exported for tests). */
export function CheckItemView({ item }: { item: CheckItem }) {
  return (
    <li className={`check-item check-${item.status}`} data-testid={`check-${item.id}`} data-status={item.status}>
      <div className="check-head">
        <CheckBadge status={item.status} />
        <strong className="check-title">{item.title}</strong>
        <span className="mono muted check-id internal-id">{item.id}</span>
      </div>
      <p className="check-summary">{item.summary}</p>
      {item.fix && (item.status === "warn" || item.status === "fail") ? (
        <div className={`check-fix fix-${item.status}`} role="note">
          <strong>How to fix:</strong> {item.fix}
        </div>
      ) : null}
      {item.evidence.length > 0 ? (
        <div className="check-evidence">
          <span className="muted">evidence:</span>
          {item.evidence.map((id) => (
            <a key={id} href={href("traffic", id)} className="evidence-link">
              #{id}
            </a>
          ))}
        </div>
      ) : null}
    </li>
  );
}

export function ChecklistView({ param }: ViewProps) {
  const idp = idpOf(param);
  const toast = useToast();
  const report = useReportError();
  const { down } = useEngine();
  const [list, setList] = useState<ChecklistReply | null>(null);
  const [exporting, setExporting] = useState(false);
  const [format, setFormat] = useState<ReportFormat>("html");

  // switching tabs and live reloads overlap: only the newest request's answer is shown
  const seq = useRef(0);
  const load = useCallback(async () => {
    const mine = ++seq.current;
    try {
      const c = await api.checklist(idp);
      if (mine === seq.current) setList(c);
    } catch (e) {
      if (mine === seq.current) report(e);
    }
  }, [idp, report]);

  useEffect(() => {
    setList(null);
    void load();
    return () => {
      seq.current += 1;
    };
  }, [load]);

  useLiveReload(EVENTS, 500, () => void load());

  const exportReport = async () => {
    setExporting(true);
    try {
      const text = await api.checklistReport(idp, format);
      const where =
        format === "html"
          ? await host.saveFile(`scimlab-report-${idp}.html`, text, "text/html")
          : await host.saveFile(`scimlab-checklist-${idp}.md`, text, "text/markdown");
      if (where) toast.info(`${format === "html" ? "hand-over" : "checklist"} report saved to ${where}`);
    } catch (e) {
      report(e);
    } finally {
      setExporting(false);
    }
  };

  const current = list && list.idp === idp ? list : null;
  const total = current ? current.items.length : 0;
  const nothingSeen = current !== null && current.score.notYetSeen === total;
  // Problems first, so the fixes are what the admin sees first.
  const order = { fail: 0, warn: 1, "not-yet-seen": 2, pass: 3 } as const;
  const items = current ? [...current.items].sort((a, b) => order[a.status] - order[b.status]) : [];

  return (
    <div className="checklist">
      <div className="row checklist-head">
        <h2>Setup checklist</h2>
        <div className="tabs" role="tablist" aria-label="identity provider">
          {TABS.map((t) => (
            <a key={t.idp} role="tab" aria-selected={t.idp === idp} className={`tab ${t.idp === idp ? "active" : ""}`} href={href("checklist", t.idp)}>
              {t.label}
            </a>
          ))}
        </div>
        <div className="grow" />
        <SimulateMenu />
        <select
          aria-label="report format"
          value={format}
          onChange={(e) => setFormat(e.target.value as ReportFormat)}
          title="HTML: the whole hand-over report for the customer (it holds real people's names and emails); Markdown: the checklist for a ticket"
        >
          <option value="html">HTML</option>
          <option value="md">Markdown</option>
        </select>
        <button onClick={() => void exportReport()} disabled={exporting || !current || down} title={down ? "the ScimLab engine is not answering" : undefined}>
          {exporting ? "exporting…" : "Export report"}
        </button>
      </div>

      {!current ? (
        <div className="muted checklist-loading">scoring the traffic…</div>
      ) : (
        <>
          {current.updating ? (
            <p className="muted checklist-updating" data-testid="checklist-updating">
              updating: every user's mapping is being evaluated again (another mapping profile, or many
              changes at once); these are the previous results until it is done
            </p>
          ) : null}
          <div className="score" data-testid="checklist-score">
            <div className="score-tile good">
              <span className="n">{count(current.score.pass)}</span> pass
            </div>
            <div className="score-tile warn">
              <span className="n">{count(current.score.warn)}</span> warn
            </div>
            <div className="score-tile bad">
              <span className="n">{count(current.score.fail)}</span> fail
            </div>
            <div className="score-tile neutral">
              <span className="n">{count(current.score.notYetSeen)}</span> not yet seen
            </div>
            <div className="score-bar" aria-hidden>
              {(["pass", "warn", "fail", "notYetSeen"] as const).map((k) =>
                current.score[k] ? <span key={k} className={`seg seg-${k}`} style={{ flex: current.score[k] }} /> : null,
              )}
            </div>
          </div>

          {nothingSeen || current.score.notYetSeen > 0 ? (
            <div className={`card checklist-fills ${nothingSeen ? "" : "compact"}`}>
              {nothingSeen ? (
                <h3>No {idpName(idp)} traffic yet</h3>
              ) : (
                <h3>Still to see</h3>
              )}
              <p className="muted">
                Items are scored from the requests {idpName(idp)} sends to the endpoint (see{" "}
                <a href={href("connect")}>Connect</a>; <b>Simulate ▾</b> above fills them too). What fills which item:
              </p>
              <table className="grid compact">
                <tbody>
                  {FILLS[idp].map(([what, fills]) => (
                    <tr key={what}>
                      <td>{what}</td>
                      <td className="muted">{fills}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}

          <ul className="check-list">
            {items.map((item) => (
              <CheckItemView key={item.id} item={item} />
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
