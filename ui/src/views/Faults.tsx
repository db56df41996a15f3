//! The Faults screen (`#/faults`): rules that make the SCIM endpoint misbehave on purpose —
//! answer 429/500/409, wait, close the connection, answer after writing, answer as strict mode —
//! so the admin can rehearse what the IdP does next. Lists the rules in order (the first that
//! matches a request answers it) with live counters (`faults.changed` carries the whole list
//! after every change and every firing), adds presets, opens the editor, and deletes one or all
//! after a confirmation, with Undo (which re-creates what was deleted). The parts live in
//! `views/faults/`.

import { useCallback, useState } from "react";
import type { FaultList, FaultPreset, FaultRule, FaultRuleView } from "../generated";
import { api } from "../platform";
import { useEngine, useEngineEvent, useReportError } from "../state/engine";
import { useLoad } from "../state/useLoad";
import { useToast } from "../state/toasts";
import { href } from "../state/route";
import { Confirm } from "../components/Confirm";
import { CopyButton } from "../components/CopyButton";
import type { ViewProps } from "./props";
import { FaultEditor } from "./faults/FaultEditor";
import { Presets } from "./faults/Presets";
import { RuleList } from "./faults/RuleList";
import { EMPTY_FORM, formOf, type RuleForm } from "./faults/ruleForm";
import { freeName, ruleOf } from "./faults/summary";
import "./faults.css";

/** What Undo puts back: the rules deleted, in their order. */
interface Deleted {
  rules: FaultRule[];
  what: string;
}

/** `rules` with `view` in place of the rule of its id, or appended. */
function upsert(rules: FaultRuleView[], view: FaultRuleView): FaultRuleView[] {
  return rules.some((r) => r.id === view.id) ? rules.map((r) => (r.id === view.id ? view : r)) : [...rules, view];
}

export function FaultsView(_props: ViewProps) {
  const toast = useToast();
  const report = useReportError();
  const { down } = useEngine();
  const [list, setList] = useState<FaultList | null>(null);
  const [editing, setEditing] = useState<{ id: number | null; form: RuleForm } | null>(null);
  const [deleting, setDeleting] = useState<FaultRuleView | null>(null);
  const [deletingAll, setDeletingAll] = useState(false);
  const [undo, setUndo] = useState<Deleted | null>(null);

  const load = useLoad(api.faults, setList);
  useEngineEvent((e) => {
    if (e.type === "faults.changed") setList((l) => (l ? { ...l, rules: e.rules } : l));
    else if (e.type === "resync") void load();
  });
  const applyView = useCallback((view: FaultRuleView) => setList((l) => (l ? { ...l, rules: upsert(l.rules, view) } : l)), []);

  if (!list) {
    return (
      <div className="faults">
        <h2>Faults</h2>
        <p className="muted">loading fault rules…</p>
      </div>
    );
  }
  const rules = list.rules;

  const addPreset = async (p: FaultPreset) => {
    const name = freeName(p.rule.name, rules.map((r) => r.name));
    try {
      applyView(await api.addFault({ ...p.rule, name }));
      toast.info(`added "${name}": it answers from now on`);
    } catch (e) {
      report(e);
    }
  };

  const toggle = async (r: FaultRuleView) => {
    try {
      applyView(await api.toggleFault(r.id, !r.enabled));
    } catch (e) {
      report(e);
    }
  };

  const save = async (rule: FaultRule) => {
    if (!editing) return;
    const view = editing.id === null ? await api.addFault(rule) : await api.replaceFault(editing.id, rule);
    applyView(view);
    setEditing(null);
    toast.info(`${editing.id === null ? "added" : "saved"} "${view.name}"`);
  };

  const remove = async (r: FaultRuleView) => {
    setDeleting(null);
    try {
      await api.deleteFault(r.id);
      setList((l) => (l ? { ...l, rules: l.rules.filter((x) => x.id !== r.id) } : l));
      setUndo({ rules: [ruleOf(r)], what: `"${r.name}" deleted` });
    } catch (e) {
      report(e);
    }
  };

  const removeAll = async () => {
    setDeletingAll(false);
    const gone = rules.map(ruleOf);
    try {
      await api.deleteAllFaults();
      setList((l) => (l ? { ...l, rules: [] } : l));
      setUndo({ rules: gone, what: `${gone.length === 1 ? "the fault rule" : `all ${gone.length} fault rules`} deleted` });
    } catch (e) {
      report(e);
    }
  };

  /** Re-create what was deleted, in its order (at the end of the list; counters start at 0). */
  const restore = async (d: Deleted) => {
    setUndo(null);
    try {
      for (const rule of d.rules) applyView(await api.addFault(rule));
      toast.info(d.rules.length === 1 ? `"${d.rules[0].name}" is back` : `${d.rules.length} rules are back`);
    } catch (e) {
      report(e);
    }
  };

  const rulesFile = () => JSON.stringify(rules.map(ruleOf), null, 2);

  return (
    <div className="faults">
      <h2>Faults</h2>
      <p className="fx-lead muted">
        Make the SCIM endpoint misbehave on purpose and watch what the IdP does next. Rules are asked in order:{" "}
        <strong>the first rule that matches a request answers it</strong>, the rules below it are not asked. Faulted
        requests are marked on <a href={href("traffic")}>Traffic</a>.
      </p>

      {undo ? (
        <div className="fx-undo row" role="status" data-testid="fault-undo">
          <span className="grow">{undo.what}.</span>
          <button className="primary" title="re-create it at the end of the list (its counters start at 0)" onClick={() => void restore(undo)} disabled={down}>
            Undo
          </button>
          <button className="ghost" aria-label="dismiss" onClick={() => setUndo(null)}>
            ×
          </button>
        </div>
      ) : null}

      {rules.length === 0 ? (
        <section className="card fx-empty" data-testid="faults-empty">
          <h3>No fault rule: every request is answered as the app would</h3>
          <p className="muted">
            A fault rule makes ScimLab fail on purpose — a 429, a 500, a slow or missing answer — so you can rehearse how
            Entra ID or Okta retries, backs off or gives up before a real outage does it for you. Start from a preset, or
            write your own rule.
          </p>
          <Presets presets={list.presets} busy={down} autofocus onAdd={(p) => void addPreset(p)} />
          <div className="row">
            <button className="primary" disabled={down} onClick={() => setEditing({ id: null, form: EMPTY_FORM })}>
              Add a rule…
            </button>
          </div>
        </section>
      ) : (
        <>
          <section className="card fx-list">
            <div className="row fx-toolbar">
              <h3 className="grow">
                {rules.length === 1 ? "1 rule" : `${rules.length} rules`} <span className="muted fx-order-note">· first match wins</span>
              </h3>
              <button className="primary" disabled={down} onClick={() => setEditing({ id: null, form: EMPTY_FORM })}>
                Add a rule…
              </button>
              <CopyButton text={rulesFile} label="copy rules file" title="the rules as a JSON list, for scimlab serve --faults rules.json" />
              <button className="danger small" disabled={down} onClick={() => setDeletingAll(true)}>
                Delete all…
              </button>
            </div>
            <RuleList
              rules={rules}
              busy={down}
              onToggle={(r) => void toggle(r)}
              onEdit={(r) => setEditing({ id: r.id, form: formOf(ruleOf(r)) })}
              onDelete={setDeleting}
            />
          </section>
          <section className="card">
            <h3>Presets</h3>
            <Presets presets={list.presets} busy={down} autofocus={false} onAdd={(p) => void addPreset(p)} />
          </section>
        </>
      )}

      {editing ? (
        <FaultEditor initial={editing.form} isNew={editing.id === null} onSave={save} onCancel={() => setEditing(null)} />
      ) : null}
      {deleting ? (
        <Confirm title={`Delete the fault rule "${deleting.name}"?`} confirmLabel={`Delete "${deleting.name}"`} onConfirm={() => void remove(deleting)} onCancel={() => setDeleting(null)}>
          <p>
            Requests it matched are answered by the next rule that matches, or by the app. You can undo it right after
            (the rule comes back at the end of the list, its counters at 0).
          </p>
        </Confirm>
      ) : null}
      {deletingAll ? (
        <Confirm
          title={`Delete all ${rules.length} fault rules?`}
          confirmLabel="Delete all rules"
          onConfirm={() => void removeAll()}
          onCancel={() => setDeletingAll(false)}
        >
          <p>Every request is answered as the app would again. You can undo it right after.</p>
        </Confirm>
      ) : null}
    </div>
  );
}
