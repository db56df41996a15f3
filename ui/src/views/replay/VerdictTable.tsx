//! The verdicts of a replay, one row a replayed exchange in the order sent: its position, the
//! captured exchange (a link to it in Traffic), the request as sent to the target, ScimLab's
//! original status → the target's, the verdict and why. A row expands to what was rewritten
//! (ids, passwords…) and what could not be. An original a fault rule answered is marked: the
//! target's answer is then judged by what the IdP expects alone. Long runs show the first rows
//! and "show more"; "only failures" narrows to what needs reading.

import { Fragment, useState } from "react";
import type { ReplayStep, Verdict } from "../../generated";
import { StatusBadge } from "../../components/Badges";
import { href } from "../../state/route";
import { count, latency } from "../../format";

/** Rows rendered at first (and added by each "show more"). */
export const PAGE = 300;

const VERDICT: Record<Verdict, { cls: string; label: string }> = {
  pass: { cls: "good", label: "pass" },
  fail: { cls: "bad", label: "fail" },
  skipped: { cls: "neutral", label: "not sent" },
};

export function VerdictBadge({ verdict }: { verdict: Verdict }) {
  const v = VERDICT[verdict];
  return <span className={`badge ${v.cls}`} data-testid="replay-verdict">{v.label}</span>;
}

/** The target's answer: its status, or why there is none. */
function TargetStatus({ step }: { step: ReplayStep }) {
  if (step.status !== null) return <StatusBadge status={step.status} />;
  return step.verdict === "skipped" ? <span className="muted">not sent</span> : <StatusBadge status={0} />;
}

function Details({ step }: { step: ReplayStep }) {
  return (
    <div className="rp-details" data-testid="replay-step-details">
      <div>
        <h4>Rewritten</h4>
        {step.rewritten.length === 0 ? (
          <p className="muted">nothing: sent as captured</p>
        ) : (
          <ul data-testid="replay-rewritten">
            {step.rewritten.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
        )}
      </div>
      <div>
        <h4>Not rewritten</h4>
        {step.notRewritten.length === 0 ? (
          <p className="muted">nothing left as it was</p>
        ) : (
          <ul data-testid="replay-not-rewritten">
            {step.notRewritten.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
        )}
      </div>
      <p className="muted small rp-expected">
        {step.name} · the IdP expects {step.expected}
        {step.status !== null ? ` · ${latency(step.latencyMs)}` : ""}
        {step.retries ? ` · ${step.retries} ${step.retries === 1 ? "retry" : "retries"} after 429, ${latency(step.waitedMs)} waited` : ""}
      </p>
    </div>
  );
}

export function VerdictTable({ steps, onNavigate }: { steps: ReplayStep[]; onNavigate?: () => void }) {
  const [open, setOpen] = useState<Set<number>>(() => new Set());
  const [onlyFailures, setOnlyFailures] = useState(false);
  const [limit, setLimit] = useState(PAGE);
  const failures = steps.filter((s) => s.verdict === "fail").length;
  const shown = onlyFailures ? steps.filter((s) => s.verdict === "fail") : steps;
  const rows = shown.slice(0, limit);

  const toggle = (index: number) =>
    setOpen((o) => {
      const n = new Set(o);
      if (n.has(index)) n.delete(index);
      else n.add(index);
      return n;
    });

  return (
    <div className="rp-verdicts">
      {failures > 0 && failures < steps.length ? (
        <label className="rp-only-failures">
          <input type="checkbox" checked={onlyFailures} onChange={(e) => setOnlyFailures(e.target.checked)} /> only failures ({count(failures)})
        </label>
      ) : null}
      <div className="rp-table-wrap">
        <table className="grid compact rp-table" data-testid="replay-verdicts">
          <thead>
            <tr>
              <th className="rp-c-index">#</th>
              <th>exchange</th>
              <th>request sent</th>
              <th title="what ScimLab answered when it was captured → what the target answered">ScimLab → target</th>
              <th>verdict</th>
              <th>why</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((s) => {
              const expanded = open.has(s.index);
              return (
                <Fragment key={s.index}>
                  <tr className={`rp-step rp-${s.verdict}${s.originalFault ? " rp-faulted" : ""}`} data-testid="replay-step" data-exchange={s.exchangeId}>
                    <td className="rp-c-index">
                      <button
                        type="button"
                        className="ghost small rp-expand"
                        aria-expanded={expanded}
                        aria-label={`${expanded ? "hide" : "show"} what was rewritten in step ${s.index}`}
                        onClick={() => toggle(s.index)}
                      >
                        <span aria-hidden="true">{expanded ? "▾" : "▸"}</span> {s.index}
                      </button>
                    </td>
                    <td>
                      <a href={href("traffic", s.exchangeId)} onClick={onNavigate} title="the captured exchange in Traffic">
                        #{s.exchangeId}
                      </a>
                    </td>
                    <td className="mono rp-c-request" title={`${s.method} ${s.path}`}>
                      <b>{s.method}</b> {s.path}
                    </td>
                    <td className="rp-c-status">
                      <StatusBadge status={s.originalStatus} />
                      {s.originalFault ? (
                        <span className="badge tx-fault" title={`ScimLab's answer came from fault rule "${s.originalFault}"`}>
                          fault
                        </span>
                      ) : null}
                      <span aria-label="then the target answered"> → </span>
                      <TargetStatus step={s} />
                    </td>
                    <td>
                      <VerdictBadge verdict={s.verdict} />
                    </td>
                    <td className="rp-c-why">
                      {s.explanation ?? (s.verdict === "pass" ? <span className="muted">as the IdP expects</span> : null)}
                      {s.originalFault ? (
                        <div className="rp-fault-note" data-testid="replay-fault-note">
                          ScimLab's answer was rehearsed by fault rule “{s.originalFault}”: the target's answer is judged by what the IdP expects alone.
                        </div>
                      ) : null}
                    </td>
                  </tr>
                  {expanded ? (
                    <tr className="rp-more">
                      <td />
                      <td colSpan={5}>
                        <Details step={s} />
                      </td>
                    </tr>
                  ) : null}
                </Fragment>
              );
            })}
          </tbody>
        </table>
      </div>
      {shown.length > rows.length ? (
        <button type="button" className="small rp-show-more" onClick={() => setLimit((l) => l + PAGE)}>
          show {count(Math.min(PAGE, shown.length - rows.length))} more of {count(shown.length - rows.length)}
        </button>
      ) : null}
    </div>
  );
}
