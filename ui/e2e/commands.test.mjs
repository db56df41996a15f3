// scripts/commands.tsv stays the whole truth: every row is well formed, and every program the
// tests and the app start by a literal name (execFileSync/spawn in JS, Command::new in Rust) has
// a row, so the install scripts and the tests' start-up checks know about it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { COMMANDS_TSV, commandTable } from "./commands.mjs";
import { REPO } from "./harness.mjs";

const FROM = new Set(["apt", "cargo", "npm", "rustup", "essential", "prior"]);
const NEED = new Set(["toolchain", "rustup", "build", "test", "package", "bench", "postgres"]);

/** Every file under `dir` whose name ends with one of `exts` (no node_modules, no target). */
function sources(dir, exts) {
  const out = [];
  for (const entry of readdirSync(path.join(REPO, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!["node_modules", "target", "dist", "gen", "test-results"].includes(entry.name)) out.push(...sources(rel, exts));
    } else if (exts.some((e) => entry.name.endsWith(e))) out.push(rel);
  }
  return out;
}

test("every row of scripts/commands.tsv is well formed", () => {
  const lines = readFileSync(COMMANDS_TSV, "utf8").split("\n").filter((l) => l && !l.startsWith("#"));
  assert.ok(lines.length > 10);
  for (const line of lines) {
    const cols = line.split("\t");
    assert.equal(cols.length, 5, `five tab-separated columns: '${line}'`);
    const [command, pkg, from, need, usedBy] = cols;
    assert.ok(command && pkg && usedBy, `no empty column: '${line}'`);
    assert.ok(FROM.has(from), `from is one of ${[...FROM]}: '${line}'`);
    assert.ok(NEED.has(need), `need is one of ${[...NEED]}: '${line}'`);
    if (from === "apt") assert.match(pkg, /^[a-z0-9][a-z0-9.+-]+$/, `a Debian package name: '${line}'`);
  }
});

test("every program started by a literal name has a row", () => {
  const table = commandTable();
  const started = new Map();
  const scan = (files, pattern) => {
    for (const file of files) {
      for (const m of readFileSync(path.join(REPO, file), "utf8").matchAll(pattern)) {
        if (!started.has(m[1])) started.set(m[1], file);
      }
    }
  };
  scan([...sources("ui/e2e", [".mjs"]), ...sources("ui/src", [".ts", ".tsx"])], /\b(?:execFileSync|execFile|spawnSync|spawn)\(\s*"([^"]+)"/g);
  scan([...sources("crates", [".rs"]), ...sources("tests", [".rs"]), ...sources("src-tauri/src", [".rs"])], /Command::new\(\s*"([^"]+)"/g);
  assert.ok(started.size >= 4, `found the spawned programs (${[...started.keys()]})`);
  const missing = [...started].filter(([name]) => !table.has(name)).map(([name, file]) => `${name} (${file})`);
  assert.deepEqual(missing, [], "programs without a row in scripts/commands.tsv");
});
