// The UI as a support engineer shares it during a customer call: a 1280×720 screen at 125 %
// zoom (a 1024×576 CSS viewport at deviceScaleFactor 1.25), Debian's chromium through
// playwright-core, against the real engine (`scimlab serve --ui` on free loopback ports).
// Checks that what is on screen is readable and true there: a wrong base path sent with the good
// key blames the URL, not the key; a request without an Authorization header says so; the
// engine stopped and started again on the same ports and database shows a banner and comes
// back by itself; presentation mode hides the key and survives a reload; Alt+2 puts the focus
// in the Traffic screen; the Simulate ▾ menu on Connect plays Okta. Screenshots go to
// ui/test-results/share-*.png. Its own start/kill (the shared harness's engine cannot be killed
// and restarted on the same ports); every wait has a deadline; only 127.0.0.1.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";
import { requireCommands } from "./commands.mjs";
import { ARTIFACTS, SCIMLAB, UI_DIR, freePort, tempDir, waitFor } from "./harness.mjs";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const TOKEN = "e2e-share-frame-token-0123456789";
// the built UI the engine serves (npm --prefix ui run build); SCIMLAB_UI_DIST to serve another build
const UI_DIST = process.env.SCIMLAB_UI_DIST ?? path.join(UI_DIR, "dist");

/** One engine's settings, kept across a kill and a restart. */
const engine = { dir: "", db: "", scimPort: 0, adminPort: 0, admin: "", tenantUrl: "", key: "", child: null, output: "" };

/** Start `scimlab serve --ui` on the engine's ports and database; resolve once health answers. */
async function serve() {
  const child = spawn(
    SCIMLAB,
    [
      "serve",
      "--db", engine.db,
      "--scim-addr", `127.0.0.1:${engine.scimPort}`,
      "--admin-addr", `127.0.0.1:${engine.adminPort}`,
      "--ui", UI_DIST,
    ],
    { env: { ...process.env, SCIMLAB_ADMIN_TOKEN: TOKEN, RUST_LOG: "warn" }, stdio: ["ignore", "pipe", "pipe"] },
  );
  engine.child = child;
  engine.output = "";
  child.stdout.on("data", (d) => (engine.output += d));
  child.stderr.on("data", (d) => (engine.output += d));
  await waitFor(
    `scimlab serve on 127.0.0.1:${engine.adminPort}`,
    async () => {
      if (child.exitCode !== null) throw new Error(`scimlab exited ${child.exitCode}: ${engine.output}`);
      const r = await fetch(`${engine.admin}/api/health`, { headers: { Authorization: `Bearer ${TOKEN}` } });
      return r.ok;
    },
    20000,
  );
}

/** Stop the engine: SIGKILL (the engine dies, as a crash would) or SIGINT (a clean stop). */
async function stop(signal) {
  const child = engine.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill(signal);
  const timer = setTimeout(() => child.kill("SIGKILL"), 15000);
  await exited;
  clearTimeout(timer);
}

let browser;
let page;
const pageErrors = [];

const shot = (name) => page.screenshot({ path: path.join(ARTIFACTS, `share-${name}.png`), animations: "disabled" });

/** Wait until Connect has read the details it shows (auth badge, the failure's diagnosis). */
async function settled() {
  await page.waitForFunction(
    () =>
      !/auth: checking…/.test(document.querySelector('[data-testid="first-request-seen"]')?.textContent ?? "") &&
      !/reading why…/.test(document.querySelector('[data-testid="last-failure"]')?.textContent ?? ""),
    null,
    { timeout: 10000 },
  );
}
const text = (testId) => page.getByTestId(testId).textContent({ timeout: 10000 });

/** Wait until the element with `testId` has text matching `re`. */
async function untilText(testId, re, timeout = 15000) {
  await page.waitForFunction(
    ([id, source, flags]) => new RegExp(source, flags).test(document.querySelector(`[data-testid="${id}"]`)?.textContent ?? ""),
    [testId, re.source, re.flags],
    { timeout },
  );
  return text(testId);
}

before(async () => {
  requireCommands(["chromium", CHROMIUM]);
  engine.dir = tempDir("scimlab-share-");
  engine.db = path.join(engine.dir, "scimlab.db");
  engine.scimPort = await freePort();
  engine.adminPort = await freePort();
  engine.admin = `http://127.0.0.1:${engine.adminPort}`;
  engine.tenantUrl = `http://127.0.0.1:${engine.scimPort}/scim/v2`;
  await serve();
  engine.key = execFileSync(SCIMLAB, ["token", "show", "--db", engine.db]).toString().trim().split(/\s+/).pop();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const context = await browser.newContext({ viewport: { width: 1024, height: 576 }, deviceScaleFactor: 1.25, colorScheme: "light" });
  page = await context.newPage();
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  await page.goto(`${engine.admin}/?token=${TOKEN}`);
  await page.goto(`${engine.admin}/#/connect`);
  await page.waitForFunction(
    (url) => document.querySelector('[data-testid="tenant-url"]')?.textContent?.trim() === url,
    engine.tenantUrl,
    { timeout: 15000 },
  );
});

after(async () => {
  await browser?.close();
  await stop("SIGINT");
  if (engine.dir) rmSync(engine.dir, { recursive: true, force: true });
});

test("the connect screen fits the shared frame: no sideways scrolling, Simulate ▾ in view", async () => {
  const fits = await page.evaluate(() => {
    const c = document.querySelector(".content");
    return { scroll: c.scrollWidth, client: c.clientWidth, width: window.innerWidth };
  });
  assert.equal(fits.width, 1024);
  assert.ok(fits.scroll <= fits.client + 1, `the content scrolls sideways: ${fits.scroll} > ${fits.client}`);
  const box = await page.getByTestId("simulate-menu").boundingBox({ timeout: 5000 });
  assert.ok(box && box.x >= 0 && box.x + box.width <= 1024 && box.y + box.height <= 576, `Simulate ▾ at ${JSON.stringify(box)}`);
});

test("a wrong base path sent with the good key blames the URL, not the key", async () => {
  const r = await fetch(`http://127.0.0.1:${engine.scimPort}/scim/Users`, {
    headers: { Authorization: `Bearer ${engine.key}`, "User-Agent": "Azure-AD-SCIM/1.0" },
  });
  assert.equal(r.status, 404);
  await r.arrayBuffer();
  const card = await untilText("last-failure", /\/scim\/v2/);
  assert.match(card, /must end in \/scim\/v2/);
  assert.match(card, /The key is fine/);
  assert.doesNotMatch(card, /key was refused|did not match|copy the key|wrong key/i);
  const seen = await text("first-request-seen");
  assert.doesNotMatch(seen, /key was refused|did not match/i);
  await page.getByTestId("last-failure").scrollIntoViewIfNeeded({ timeout: 5000 });
  await shot("wrong-base-path");
});

test("a request without an Authorization header says the header is missing, not to copy the key again", async () => {
  const r = await fetch(`${engine.tenantUrl}/Users?filter=userName%20eq%20%22x%22`);
  assert.equal(r.status, 401);
  await r.arrayBuffer();
  const card = await untilText("last-failure", /Authorization header/);
  assert.match(card, /No Authorization header arrived/);
  assert.match(card, /set the Authorization header/);
  assert.doesNotMatch(card, /re-copy|copy the key again/i);
  assert.doesNotMatch(await text("first-request-seen"), /key was refused/i);
  await page.getByTestId("last-failure").scrollIntoViewIfNeeded({ timeout: 5000 });
  await shot("missing-header");
});

test("Alt+2 moves the focus into the Traffic screen, where ↓ moves through the rows at once", async () => {
  await page.locator("h2").first().click({ timeout: 5000 });
  await page.keyboard.press("Alt+2");
  await page.waitForFunction(() => location.hash.startsWith("#/traffic"), null, { timeout: 5000 });
  await page.waitForFunction(
    () => document.activeElement && document.activeElement !== document.body && document.activeElement.closest(".screen") !== null,
    null,
    { timeout: 5000 },
  );
  await page.getByTestId("exchange-row").first().waitFor({ timeout: 10000 });
  await page.keyboard.press("ArrowDown");
  await page.waitForFunction(() => !!document.querySelector('[role="grid"]')?.getAttribute("aria-activedescendant"), null, { timeout: 5000 });
  await shot("traffic-focus");
});

test("presentation mode: no way to reveal the key, html.presentation, kept after a reload", async () => {
  await page.goto(`${engine.admin}/#/connect`);
  const toggle = page.getByRole("switch", { name: "Presentation mode" });
  await toggle.click({ timeout: 5000 });
  await page.waitForFunction(() => document.documentElement.classList.contains("presentation"), null, { timeout: 5000 });
  assert.equal(await toggle.getAttribute("aria-checked"), "true");
  await page.getByText("hidden while presenting").waitFor({ timeout: 5000 });
  assert.equal(await page.getByRole("button", { name: "Reveal" }).count(), 0);
  await settled();
  const base = await page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
  assert.ok(base >= 16, `a larger base font while presenting, got ${base}px`);
  await shot("presentation");
  await page.reload();
  await page.getByText("hidden while presenting").waitFor({ timeout: 15000 });
  assert.ok(await page.evaluate(() => document.documentElement.classList.contains("presentation")));
  assert.equal(await page.getByRole("button", { name: "Reveal" }).count(), 0);
  assert.ok(!(await page.content()).includes(engine.key), "the key is not in the page");
  await page.getByRole("switch", { name: "Presentation mode" }).click({ timeout: 5000 });
  await page.getByRole("button", { name: "Reveal" }).waitFor({ timeout: 5000 });
  assert.ok(!(await page.evaluate(() => document.documentElement.classList.contains("presentation"))));
});

test("Simulate ▾ on Connect plays Okta as the guide sets it up, and Traffic then has its rows", async () => {
  await page.goto(`${engine.admin}/#/connect`);
  await page.getByTestId("simulate-menu").click({ timeout: 5000 });
  await page.getByRole("spinbutton").fill("4");
  await page.getByRole("menuitem", { name: "Okta — guide setup" }).click({ timeout: 5000 });
  await page.waitForFunction(
    () => ["finished", "failed"].includes(document.querySelector('[data-testid="simulation-status"]')?.getAttribute("data-state") ?? ""),
    null,
    { timeout: 60000 },
  );
  const status = page.getByTestId("simulation-status");
  assert.equal(await status.getAttribute("data-state"), "finished", await status.textContent());
  // the capture writes in batches: the run's exchanges may land a moment after its end
  await waitFor(
    "the run's exchanges stored as Okta",
    async () => (await (await fetch(`${engine.admin}/api/exchanges?idp=okta&limit=5`, { headers: { Authorization: `Bearer ${TOKEN}` } })).json()).items.length > 0,
    10000,
  );
  await page.goto(`${engine.admin}/#/traffic`);
  await page.locator('[data-testid="exchange-row"]', { hasText: "Okta" }).first().waitFor({ timeout: 15000 });
  await shot("simulated-okta");
});

test("the engine stopped: a banner, stale data, Simulate disabled; started again: back by itself", async () => {
  await page.goto(`${engine.admin}/#/connect`);
  await page.getByTestId("first-request-seen").waitFor({ timeout: 10000 });
  await settled();
  await stop("SIGKILL");
  const banner = page.getByTestId("engine-banner");
  await banner.waitFor({ timeout: 10000 });
  assert.match(await banner.textContent(), /The ScimLab engine is not answering — the data below is from \d\d:\d\d:\d\d and may be stale; retrying…/);
  assert.equal(await page.locator(".screen").getAttribute("data-stale"), "true");
  assert.ok(await page.getByTestId("simulate-menu").isDisabled());
  assert.ok(await page.getByRole("button", { name: "Rotate key" }).isDisabled());
  await shot("engine-down");
  await serve();
  await banner.waitFor({ state: "detached", timeout: 15000 });
  await page.waitForFunction(() => !document.querySelector(".screen")?.hasAttribute("data-stale"), null, { timeout: 5000 });
  await page.waitForFunction(() => !document.querySelector('[data-testid="simulate-menu"]')?.disabled, null, { timeout: 10000 });
  await page.waitForFunction(
    (url) => document.querySelector('[data-testid="tenant-url"]')?.textContent?.trim() === url,
    engine.tenantUrl,
    { timeout: 10000 },
  );
  await page.getByTestId("first-request-seen").waitFor({ timeout: 10000 });
  await settled();
  const toasts = await page.locator(".toast-error").allTextContents();
  assert.deepEqual(toasts.filter((t) => /Failed to fetch|cannot reach/i.test(t)), [], "no network-error toasts");
  await shot("recovered");
});

test("no uncaught errors in the page", () => {
  assert.deepEqual(pageErrors, []);
});
