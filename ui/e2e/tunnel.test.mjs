// *Make it public* as an admin uses it on a call: a real `scimlab serve --ui` whose cloudflared
// is a fake shell script that prints what the real one prints (its banner and the quick
// tunnel's https URL on stderr) and then waits; Debian's chromium at 1024×576 @ 1.25. Connect's
// *Make it public* starts it, the public tenant URL shows with a copy button, the engine's API
// agrees, and *Stop* ends it (the fake process is gone). Screenshots in
// ui/test-results/tunnel-*.png; every wait has a deadline; only 127.0.0.1.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync, chmodSync, rmSync } from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";
import { requireCommands } from "./commands.mjs";
import { ARTIFACTS, SCIMLAB, UI_DIR, startEngine, tempDir, waitFor } from "./harness.mjs";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const UI_DIST = process.env.SCIMLAB_UI_DIST ?? path.join(UI_DIR, "dist");
const VIEWPORT = { width: 1024, height: 576 };
const PUBLIC = "https://fake-words-1234.trycloudflare.com";

let dir;
let fake;
let engine;
let browser;
let page;
const pageErrors = [];

/** A cloudflared that prints the real one's quick-tunnel banner, records its pid, and waits. */
function writeFake(d) {
  const file = path.join(d, "cloudflared");
  const box = [
    "+--------------------------------------------------------------------------------------------+",
    "|  Your quick Tunnel has been created! Visit it at (it may take some time to be reachable):  |",
    `|  ${PUBLIC}                                                 |`,
    "+--------------------------------------------------------------------------------------------+",
  ];
  const lines = [
    "#!/bin/sh",
    `echo $$ > "${path.join(d, "pid")}"`,
    'echo "2024-05-01T10:00:00Z INF Requesting new quick Tunnel on trycloudflare.com..." >&2',
    ...box.map((l) => `echo "2024-05-01T10:00:01Z INF ${l}" >&2`),
    "exec sleep 60",
    "",
  ];
  writeFileSync(file, lines.join("\n"));
  chmodSync(file, 0o755);
  return file;
}

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

before(async () => {
  requireCommands(["chromium", CHROMIUM]);
  assert.ok(existsSync(SCIMLAB), `${SCIMLAB} is missing: cargo build -p scimlab-cli --bin scimlab`);
  assert.ok(existsSync(path.join(UI_DIST, "index.html")), `${UI_DIST} is missing: npm --prefix ui run build`);
  dir = tempDir("scimlab-e2e-tunnel-");
  fake = writeFake(dir);
  engine = await startEngine(["--cloudflared", fake]);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1.25, colorScheme: "light" });
  page = await context.newPage();
  page.on("console", (m) => m.type() === "error" && pageErrors.push(m.text()));
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  await page.goto(engine.loginUrl);
});

after(async () => {
  await browser?.close();
  await engine?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("Make it public runs the tunnel, shows the public tenant URL, and Stop ends it", async () => {
  await page.goto(`${engine.admin}/#/connect`);
  const start = page.getByTestId("tunnel-start");
  await start.waitFor({ timeout: 15000 });
  await page.screenshot({ path: path.join(ARTIFACTS, "tunnel-before.png"), animations: "disabled" });
  await start.click();
  const tenant = page.getByTestId("tunnel-public-tenant");
  await tenant.waitFor({ timeout: 15000 });
  await waitFor("the public tenant URL on Connect", async () => (await tenant.textContent()).includes(`${PUBLIC}/scim/v2`), 15000);
  assert.equal(await page.getByTestId("tunnel-state").getAttribute("data-status"), "running");
  await page.screenshot({ path: path.join(ARTIFACTS, "tunnel-running.png"), animations: "disabled" });

  const info = await engine.api("/api/endpoint");
  assert.equal(info.tunnel.status, "running");
  assert.equal(info.tunnel.tenantUrl, `${PUBLIC}/scim/v2`);
  const pid = Number(readFileSync(path.join(dir, "pid"), "utf8").trim());
  assert.ok(alive(pid), "the (fake) cloudflared runs");

  // One tunnel serves every workspace: another workspace's Connect shows its own path.
  const created = await fetch(`${engine.admin}/api/workspaces`, {
    method: "POST",
    headers: { Authorization: `Bearer ${engine.token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ name: "Acme" }),
  });
  assert.equal(created.status, 201);
  await page.evaluate(() => localStorage.setItem("scimlab.workspace", "acme"));
  await page.reload();
  await waitFor(
    "acme's public tenant URL",
    async () => ((await page.getByTestId("tunnel-public-tenant").textContent({ timeout: 1000 })) ?? "").includes(`${PUBLIC}/w/acme/scim/v2`),
    15000,
  );
  await page.screenshot({ path: path.join(ARTIFACTS, "tunnel-workspace.png"), animations: "disabled" });

  await page.getByTestId("tunnel-stop").click();
  await waitFor("the tunnel to stop", async () => (await page.getByTestId("tunnel-state").getAttribute("data-status")) === "off", 15000);
  await waitFor("cloudflared to be gone", () => !alive(pid), 10000);
  assert.equal((await engine.api("/api/endpoint")).tunnel.status, "off");
  assert.deepEqual(pageErrors, [], `no console errors: ${pageErrors.join("\n")}`);
});
