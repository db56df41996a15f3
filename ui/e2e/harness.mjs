// Shared helpers of the end-to-end tests: free loopback ports, the real `scimlab` binary
// (serve, simulate, token show) on a temp database, bounded waits, screenshot paths.
// Everything targets 127.0.0.1 and every wait has a deadline.
import { spawn, execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, mkdirSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const UI_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const REPO = path.resolve(UI_DIR, "..");
export const TARGET = process.env.CARGO_TARGET_DIR ? path.resolve(REPO, process.env.CARGO_TARGET_DIR) : path.join(REPO, "target");
export const SCIMLAB = path.join(TARGET, "debug", "scimlab");
export const DESKTOP = path.join(TARGET, "debug", "scimlab-desktop");
export const ARTIFACTS = path.join(UI_DIR, "test-results");
mkdirSync(ARTIFACTS, { recursive: true });

/** Ports this process has handed out: the system may give a just-closed port out again, and an
 *  engine asked to listen twice on one port (SCIM and admin) fails to start. */
const handedOut = new Set();

/** A port that was free a moment ago on 127.0.0.1, never one this process handed out before. */
export async function freePort() {
  for (;;) {
    const port = await new Promise((resolve, reject) => {
      const s = net.createServer();
      s.once("error", reject);
      s.listen(0, "127.0.0.1", () => {
        const { port } = s.address();
        s.close(() => resolve(port));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

/** Poll `check` until it returns a truthy value or `ms` pass. */
export async function waitFor(what, check, ms = 20000, every = 100) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${last}` : ""}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

/** A temp directory removed by `cleanup`. */
export function tempDir(prefix) {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Start `scimlab serve --ui` on free ports with a known admin token; `extraArgs` are added to
 *  `serve` (e.g. `["--strict"]`). `from`: a database to start on (copied into the temp
 *  directory first, so the original is never written); `scimlab`: another build of the binary
 *  (e.g. the release one); `timeoutMs`: how long it may take to answer. */
export async function startEngine(extraArgs = [], { from, scimlab = SCIMLAB, timeoutMs = 20000 } = {}) {
  const dir = tempDir("scimlab-e2e-");
  const scimPort = await freePort();
  const adminPort = await freePort();
  const token = "e2e-admin-token-0123456789";
  const db = path.join(dir, "scimlab.db");
  if (from) copyFileSync(from, db);
  const child = spawn(
    scimlab,
    ["serve", ...extraArgs, "--db", db, "--scim-addr", `127.0.0.1:${scimPort}`, "--admin-addr", `127.0.0.1:${adminPort}`, "--ui", process.env.SCIMLAB_UI_DIST ?? path.join(UI_DIR, "dist")],
    { env: { ...process.env, SCIMLAB_ADMIN_TOKEN: token, RUST_LOG: "warn" }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const admin = `http://127.0.0.1:${adminPort}`;
  await waitFor(`scimlab serve (${output})`, async () => {
    if (child.exitCode !== null) throw new Error(`scimlab exited ${child.exitCode}: ${output}`);
    const r = await fetch(`${admin}/api/health`, { headers: { Authorization: `Bearer ${token}` } });
    return r.ok;
  }, timeoutMs);
  const key = execFileSync(scimlab, ["token", "show", "--db", db]).toString().trim().split(/\s+/).pop();
  return {
    dir,
    db,
    admin,
    token,
    key,
    scimPort,
    tenantUrl: `http://127.0.0.1:${scimPort}/scim/v2`,
    loginUrl: `${admin}/?token=${token}`,
    api: async (p) => (await fetch(`${admin}${p}`, { headers: { Authorization: `Bearer ${token}` } })).json(),
    async stop() {
      child.kill("SIGINT");
      await waitFor("scimlab to stop", () => child.exitCode !== null, 15000).catch(() => child.kill("SIGKILL"));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Replay an IdP's provisioning at the SCIM port with the simulator (the real binary). */
export function simulate(engine, scenario, extra = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(SCIMLAB, ["simulate", scenario, "--db", engine.db, "--scim-addr", `127.0.0.1:${engine.scimPort}`, ...extra], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      code === 0 ? resolve(out) : reject(new Error(`simulate ${scenario} exited ${code}: ${out}`));
    });
  });
}

/** Send `n` SCIM match lookups (what an IdP's match phase sends) with `concurrency` clients;
 *  answers the seconds it took. Every request is one captured exchange. */
export async function seedLookups(tenantUrl, key, n, label, concurrency = 16) {
  let next = 0;
  const started = Date.now();
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const r = await fetch(`${tenantUrl}/Users?filter=userName%20eq%20%22${label}${i}%40example.com%22`, {
        headers: { Authorization: `Bearer ${key}`, "User-Agent": "Azure-AD-SCIM/1.0" },
      });
      await r.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return (Date.now() - started) / 1000;
}

/** The p-th percentile of `xs`. */
export function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
}
