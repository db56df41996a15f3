//! The two ways the Connect screen hands the admin something to paste: a labelled value
//! (`PasteField`, e.g. the tenant URL in the IdP steps) and a shell command (`CommandLine`, the
//! tunnel commands), each in mono with a copy button.

import { CopyButton } from "../../components/CopyButton";

/** A value the admin pastes somewhere: label, value in mono, copy button. */
export function PasteField({ label, value, copy, testId }: { label: string; value: string; copy?: string | (() => Promise<string>); testId?: string }) {
  return (
    <div className="cx-field">
      <span className="cx-field-label">{label}</span>
      <code className="cx-value" data-testid={testId} title={value}>
        {value}
      </code>
      {copy !== undefined ? <CopyButton text={copy} /> : null}
    </div>
  );
}

/** A command to run on this machine, with a copy button. */
export function CommandLine({ command }: { command: string }) {
  return (
    <div className="cx-cmd">
      <code>{command}</code>
      <CopyButton text={command} />
    </div>
  );
}
