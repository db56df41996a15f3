//! The fault rule editor, a dialog: the name; what the rule matches (IdP, operation, method,
//! path, userName or displayName globs); what it does (answer an error, wait only, close the
//! connection, answer as strict mode; a delay before any of them); how often (every match,
//! the first N, every Nth, a seeded probability); enabled. Beside it, the JSON the rule will
//! be — the rules file's format, to copy into a file for `scimlab serve --faults`. The engine
//! validates on save: its 400 is shown in the dialog and marks the field it names. Escape
//! closes; Tab stays inside.

import { useId, useRef, useState, type ReactNode } from "react";
import type { FaultRule, Idp } from "../../generated";
import { ApiError } from "../../platform";
import { messageOf, useToast } from "../../state/toasts";
import { CopyButton } from "../../components/CopyButton";
import { useDialogKeys } from "../../components/useDialogKeys";
import { OPERATIONS, operationLabel } from "../../format";
import { fieldOf, METHODS, ruleOfForm, SCIM_TYPES, type ActionKind, type BudgetKind, type RuleForm } from "./ruleForm";
import { actionSummary, budgetSummary, matchSummary } from "./summary";

const IDPS: { value: Idp | ""; label: string }[] = [
  { value: "", label: "any IdP" },
  { value: "entra", label: "Entra ID" },
  { value: "okta", label: "Okta" },
  { value: "other", label: "other clients" },
];

const ACTIONS: { value: ActionKind; label: string; hint: string }[] = [
  { value: "error", label: "Answer an error", hint: "a SCIM error with the status you choose" },
  { value: "delay", label: "Wait only", hint: "then serve the request normally" },
  { value: "drop", label: "Close the connection", hint: "no answer at all" },
  { value: "strict", label: "Answer as strict mode", hint: "refuse the quirks ScimLab tolerates" },
];

/** The form key an engine field name marks (`action.retryAfter` → `retryAfter`). */
const FIELD_KEY: Record<string, keyof RuleForm> = {
  name: "name",
  "match.idp": "idp",
  "match.operation": "operation",
  "match.method": "method",
  "match.path": "path",
  "match.userName": "userName",
  "match.displayName": "displayName",
  action: "kind",
  "action.status": "status",
  "action.scimType": "scimType",
  "action.detail": "detail",
  "action.retryAfter": "retryAfter",
  "action.delayMs": "delayMs",
  "action.afterWrite": "afterWrite",
  "action.drop": "kind",
  "action.strict": "kind",
  times: "times",
  every: "every",
  probability: "percent",
  seed: "seed",
};

/** The hint under an input. */
const HINT: Partial<Record<keyof RuleForm, string>> = {
  path: "relative to the tenant URL; * does not cross /",
  userName: "a glob, ignoring case",
  displayName: "a glob, ignoring case",
  status: "400–599",
  retryAfter: "with 429 or 503",
  percent: "of matches, 0–100",
  seed: "the same seed repeats the same run",
};

export function FaultEditor({
  initial,
  isNew,
  onSave,
  onCancel,
}: {
  initial: RuleForm;
  isNew: boolean;
  /** Send the rule; rejects with the engine's error (a 400 is shown in the dialog). */
  onSave: (rule: FaultRule) => Promise<void>;
  onCancel: () => void;
}) {
  const toast = useToast();
  const uid = useId();
  const [form, setForm] = useState<RuleForm>(initial);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const dialogRef = useRef<HTMLDivElement>(null);
  const nameRef = useRef<HTMLInputElement>(null);
  const cancel = useRef(onCancel);
  cancel.current = onCancel;

  useDialogKeys(dialogRef, () => cancel.current(), nameRef);

  const rule = ruleOfForm(form);
  const json = JSON.stringify(rule, null, 2);
  const badField = error ? fieldOf(error) : null;
  const bad = badField ? FIELD_KEY[badField] ?? null : null;

  const set = <K extends keyof RuleForm>(key: K, value: RuleForm[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    setError(null);
  };

  const save = async () => {
    setSaving(true);
    setError(null);
    try {
      await onSave(rule);
    } catch (e) {
      setError(messageOf(e));
      // a 400 names the field: shown here; anything else is a toast too
      if (!(e instanceof ApiError && e.status === 400)) toast.error(e);
      setSaving(false);
    }
  };

  const id = (k: string) => `${uid}-${k}`;
  /** The id, hint and error wiring of the input of `k`. */
  const attrs = (k: keyof RuleForm) => {
    const describedBy = [HINT[k] ? id(`${k}-hint`) : null, bad === k ? id("error") : null].filter(Boolean).join(" ");
    return {
      id: id(k),
      ...(bad === k ? { "aria-invalid": true as const } : {}),
      ...(describedBy ? { "aria-describedby": describedBy } : {}),
    };
  };
  const field = (k: keyof RuleForm, label: string, input: ReactNode) => (
    <div className={`fx-field${bad === k ? " fx-bad" : ""}`}>
      <label htmlFor={id(k)}>{label}</label>
      {input}
      {HINT[k] ? (
        <small className="muted" id={id(`${k}-hint`)}>
          {HINT[k]}
        </small>
      ) : null}
    </div>
  );
  const textInput = (k: "name" | "path" | "userName" | "displayName" | "detail", placeholder?: string, ref?: typeof nameRef) => (
    <input {...attrs(k)} ref={ref} value={form[k]} placeholder={placeholder} onChange={(e) => set(k, e.target.value)} />
  );
  // the engine checks the values (its message names the field), so the browser does not
  const numberInput = (k: "status" | "retryAfter" | "delayMs" | "times" | "every" | "percent" | "seed", placeholder?: string, min = 1, step = "1") => (
    <input
      {...attrs(k)}
      type="number"
      inputMode={step === "1" ? "numeric" : "decimal"}
      min={min}
      step={step}
      value={form[k]}
      placeholder={placeholder}
      onChange={(e) => set(k, e.target.value)}
    />
  );

  const budgets: { value: BudgetKind; label: string }[] = [
    { value: "always", label: "Every match" },
    { value: "times", label: "First N matches" },
    { value: "every", label: "Every Nth match" },
    { value: "probability", label: "With a probability" },
    ...(form.budget === "combined" ? [{ value: "combined" as const, label: "Combined (all must agree)" }] : []),
  ];

  return (
    <div className="modal-backdrop" onClick={onCancel}>
      <div
        ref={dialogRef}
        className="modal fx-editor"
        role="dialog"
        aria-modal="true"
        aria-labelledby={id("title")}
        data-testid="fault-editor"
        onClick={(e) => e.stopPropagation()}
      >
        <h3 id={id("title")}>{isNew ? "Add a fault rule" : `Edit ${initial.name}`}</h3>
        <form
          className="fx-editor-body"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            if (!saving) void save();
          }}
        >
          <div className="fx-form">
            {field("name", "Name", textInput("name", "e.g. throttle creates", nameRef))}

            <fieldset className="fx-group">
              <legend>Match — every field given must hold; none matches every request</legend>
              <div className="fx-grid">
                {field(
                  "idp",
                  "IdP",
                  <select {...attrs("idp")} value={form.idp} onChange={(e) => set("idp", e.target.value as Idp | "")}>
                    {IDPS.map((o) => (
                      <option key={o.value} value={o.value}>
                        {o.label}
                      </option>
                    ))}
                  </select>,
                )}
                {field(
                  "operation",
                  "Operation",
                  <select
                    {...attrs("operation")}
                    value={form.operation}
                    onChange={(e) => set("operation", e.target.value as RuleForm["operation"])}
                   
                  >
                    <option value="">any operation</option>
                    {OPERATIONS.filter((o) => o !== "rejected").map((o) => (
                      <option key={o} value={o}>
                        {operationLabel(o)}
                      </option>
                    ))}
                  </select>,
                )}
                {field(
                  "method",
                  "Method",
                  <select {...attrs("method")} value={form.method} onChange={(e) => set("method", e.target.value)}>
                    <option value="">any method</option>
                    {METHODS.map((m) => (
                      <option key={m} value={m}>
                        {m}
                      </option>
                    ))}
                  </select>,
                )}
                {field("path", "Path", textInput("path", "/Users/*"))}
                {field("userName", "userName", textInput("userName", "escrow-*"))}
                {field("displayName", "Group displayName", textInput("displayName", "Sales*"))}
              </div>
            </fieldset>

            <fieldset className={`fx-group${bad === "kind" ? " fx-bad" : ""}`}>
              <legend>Action</legend>
              <div className="fx-radios" role="radiogroup" aria-label="what the rule does">
                {ACTIONS.map((a) => (
                  <label key={a.value} className="fx-radio" title={a.hint}>
                    <input type="radio" name={id("kind")} value={a.value} checked={form.kind === a.value} onChange={() => set("kind", a.value)} />
                    {a.label}
                  </label>
                ))}
              </div>
              <div className="fx-grid">
                {form.kind === "error" ? (
                  <>
                    {field("status", "Status", numberInput("status", "500", 400))}
                    {field(
                      "scimType",
                      "scimType",
                      <select {...attrs("scimType")} value={form.scimType} onChange={(e) => set("scimType", e.target.value)}>
                        <option value="">none</option>
                        {SCIM_TYPES.map((t) => (
                          <option key={t} value={t}>
                            {t}
                          </option>
                        ))}
                      </select>,
                    )}
                    {field("retryAfter", "Retry-After (s)", numberInput("retryAfter", "none"))}
                    {field("detail", "Detail", textInput("detail", "what failed, in the error body"))}
                  </>
                ) : null}
                {field("delayMs", form.kind === "delay" ? "Wait (ms)" : "Wait first (ms)", numberInput("delayMs", form.kind === "delay" ? "800" : "none"))}
              </div>
              {form.kind === "error" ? (
                <label className={`fx-check${bad === "afterWrite" ? " fx-bad" : ""}`}>
                  <input type="checkbox" checked={form.afterWrite} onChange={(e) => set("afterWrite", e.target.checked)} {...attrs("afterWrite")} />
                  Do the write first (afterWrite): the app commits it, the IdP is told it failed
                </label>
              ) : null}
            </fieldset>

            <fieldset className="fx-group">
              <legend>Budget — how often it fires</legend>
              <div className="fx-radios" role="radiogroup" aria-label="how often the rule fires">
                {budgets.map((b) => (
                  <label key={b.value} className="fx-radio">
                    <input type="radio" name={id("budget")} value={b.value} checked={form.budget === b.value} onChange={() => set("budget", b.value)} />
                    {b.label}
                  </label>
                ))}
              </div>
              <div className="fx-grid">
                {form.budget === "times" || form.budget === "combined" ? field("times", "First N matches", numberInput("times", "3")) : null}
                {form.budget === "every" || form.budget === "combined" ? field("every", "Every Nth match", numberInput("every", "10")) : null}
                {form.budget === "probability" || form.budget === "combined" ? (
                  <>
                    {field("percent", "Probability (%)", numberInput("percent", "20", 0, "any"))}
                    {field("seed", "Seed", numberInput("seed", "optional", 0))}
                  </>
                ) : null}
              </div>
            </fieldset>

            <label className="fx-check">
              <input type="checkbox" checked={form.enabled} onChange={(e) => set("enabled", e.target.checked)} />
              Enabled
            </label>
          </div>

          <div className="fx-preview">
            <p className="fx-plain" data-testid="fault-plain">
              <b>{matchSummary(rule.match)}</b>: {actionSummary(rule.action)}, {budgetSummary(rule)}.
            </p>
            <div className="row">
              <span className="grow muted small">The rule as JSON, the rules-file format (<code>scimlab serve --faults rules.json</code> takes a list of them)</span>
              <CopyButton text={json} label="copy JSON" />
            </div>
            <pre className="code fx-json" data-testid="fault-json">
              {json}
            </pre>
            {!isNew ? <p className="muted small">Saving replaces the rule in place: its counters start again.</p> : null}
          </div>

          {error ? (
            <p className="fx-error" role="alert" id={id("error")} data-testid="fault-error">
              {error}
            </p>
          ) : null}
          <div className="modal-actions">
            <button type="button" onClick={onCancel}>
              Cancel
            </button>
            <button type="submit" className="primary" disabled={saving}>
              {saving ? "saving…" : isNew ? "Add rule" : "Save rule"}
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}
