// The programs the end-to-end tests run, checked before they start: each must be in
// scripts/commands.tsv (the one table of "program → package" the install scripts use) and be
// found, or the test fails in one line naming what is missing and where it comes from.
import { accessSync, constants, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { REPO } from "./harness.mjs";

export const COMMANDS_TSV = path.join(REPO, "scripts", "commands.tsv");

/** The table: command → { package, from, need, usedBy } (library rows, `-`, left out). */
export function commandTable() {
  const table = new Map();
  for (const line of readFileSync(COMMANDS_TSV, "utf8").split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const [command, pkg, from, need, usedBy = ""] = line.split("\t");
    if (command !== "-") table.set(command, { package: pkg, from, need, usedBy });
  }
  return table;
}

const executable = (file) => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** Where `name` runs from: an absolute path as is, else the first match on PATH (and, for
 *  programs `cargo install`ed, ~/.cargo/bin); null when it is nowhere. */
export function findCommand(name) {
  if (path.isAbsolute(name)) return executable(name) ? name : null;
  const dirs = (process.env.PATH ?? "").split(path.delimiter).filter(Boolean);
  dirs.push(path.join(os.homedir(), ".cargo", "bin"));
  for (const dir of dirs) {
    const file = path.join(dir, name);
    if (executable(file)) return file;
  }
  return null;
}

/** How to get `command`, in the words of the table. */
function howToGet(command, row) {
  switch (row.from) {
    case "apt":
    case "essential":
      return `Debian package ${row.package}`;
    case "cargo":
      return `cargo install ${row.package} --locked`;
    case "npm":
      return `npm package ${row.package} (npm --prefix ui ci)`;
    default:
      return `${row.package} (see README)`;
  }
}

/** Throw one line naming every program of `names` that cannot be run, with its package.
 *  An entry is a name from the table, or [name, path] when a test runs it from a path of its
 *  own (an env override such as CHROMIUM or TAURI_DRIVER). */
export function requireCommands(...names) {
  const table = commandTable();
  const missing = [];
  for (const entry of names) {
    const [name, at] = Array.isArray(entry) ? entry : [entry, entry];
    const row = table.get(name);
    if (!row) throw new Error(`${name} is run by an e2e test but is not in scripts/commands.tsv: add a row (command, package, from, need, used by)`);
    if (!findCommand(at)) missing.push(`${at === name ? name : `${name} (${at})`} — ${howToGet(name, row)}`);
  }
  if (missing.length > 0) {
    throw new Error(`missing: ${missing.join("; ")}. Run scripts/ensure-desktop-deps.sh --test as root (make test does).`);
  }
}

/** Throw one line when there is no X display to open windows on. */
export function requireDisplay() {
  if (!process.env.DISPLAY) throw new Error("no DISPLAY: run the desktop tests under xvfb-run (make e2e does) or a desktop session");
}
