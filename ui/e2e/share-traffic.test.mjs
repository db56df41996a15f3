// The Traffic screen as a support engineer shares it during a customer call: a 1280×720 screen at
// 125 % zoom (a 1024×576 CSS viewport at deviceScaleFactor 1.25), Debian's chromium through
// playwright-core, against the real engine in strict mode (`scimlab serve --strict --ui` on free
// loopback ports) fed by the real simulator. Checks that Traffic tells failures truthfully and
// first there: a strict 400 opens on the "Why it failed" banner with the refused quirk before the
// headers while the status column stays on screen; the counter says the engine's true total past
// the first page; the timeline draws bars and an Entra ID cycle with its words; no quirk chip is
// cut and SCIM filters read decoded. Screenshots go to ui/test-results/share-traffic-*.png.
// Every wait has a deadline; only 127.0.0.1.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";
import { requireCommands } from "./commands.mjs";
import { ARTIFACTS, SCIMLAB, UI_DIR, seedLookups, simulate, startEngine, waitFor } from "./harness.mjs";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const UI_DIST = process.env.SCIMLAB_UI_DIST ?? path.join(UI_DIR, "dist");
const VIEWPORT = { width: 1024, height: 576 };

let engine;
let browser;
let page;
const pageErrors = [];

const shot = (name) => page.screenshot({ path: path.join(ARTIFACTS, `share-traffic-${name}.png`), animations: "disabled" });
const box = async (locator) => {
  const b = await locator.boundingBox();
  assert.ok(b, "the element is laid out");
  return b;
};
const within = (b) => b.x >= 0 && b.y >= 0 && b.x + b.width <= VIEWPORT.width + 0.5 && b.y + b.height <= VIEWPORT.height + 0.5;
const formatted = (n) => n.toLocaleString("en-US");

before(async () => {
  requireCommands(["chromium", CHROMIUM]);
  assert.ok(existsSync(SCIMLAB), `${SCIMLAB} is missing: cargo build -p scimlab-cli --bin scimlab`);
  assert.ok(existsSync(path.join(UI_DIST, "index.html")), `${UI_DIST} is missing: npm --prefix ui run build`);
  engine = await startEngine(["--strict"]);
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
});

test("a strict 400 opens on why it failed, the refused quirk before the headers, the status column on screen", async () => {
  // strict mode refuses Entra's quirks: the simulator sees failed steps and exits non-zero
  await simulate(engine, "entra", ["--users", "4", "--seed", "2"]).catch(() => "failed steps are expected in strict mode");
  const refused = await waitFor(
    "a strict-mode 400 in the capture",
    async () => (await engine.api("/api/exchanges?status=4xx&limit=50")).items.find((x) => x.status === 400 && x.refusedQuirk),
    20000,
  );
  const quirks = await engine.api("/api/quirks");
  const explained = quirks.find((q) => q.label === refused.refusedQuirk);
  assert.ok(explained, `the engine explains ${refused.refusedQuirk}`);

  await page.goto(`${engine.admin}/#/traffic`);
  await page.getByTestId("timeline-svg").waitFor({ timeout: 15000 });
  const row = page.locator(`[data-testid="exchange-row"][data-id="${refused.id}"]`);
  await row.waitFor({ timeout: 15000 });
  assert.equal((await row.locator(".tx-c-status").textContent()).trim(), "400");
  await row.click();

  const banner = page.getByTestId("why-failed");
  await banner.waitFor({ timeout: 10000 });
  const text = await banner.textContent();
  assert.match(text, /Why it failed/);
  assert.match(text, /400/);
  const quirk = page.getByTestId("why-quirk");
  await page.waitForFunction(
    (summary) => document.querySelector('[data-testid="why-quirk"]')?.textContent?.includes(summary.replace(/`/g, "")),
    explained.summary,
    { timeout: 10000 },
  );
  assert.match(await quirk.textContent(), new RegExp(refused.refusedQuirk.replace(/\./g, "\\.")));
  const headers = page.getByTestId("request-headers");
  await headers.waitFor({ timeout: 10000 });
  const [bannerBox, quirkBox, headersBox] = [await box(banner), await box(quirk), await box(headers)];
  assert.ok(bannerBox.y < headersBox.y && quirkBox.y + quirkBox.height <= headersBox.y, "the banner and its quirk come before the headers");
  assert.ok(within(quirkBox), `the refused quirk is on screen without scrolling (${JSON.stringify(quirkBox)})`);

  // the auth line tells the key's outcome (a strict refusal came with the good key)
  assert.match(await page.getByTestId("auth-line").textContent(), /key matched/);

  // the status column stays visible beside the open pane: the header's and the open row's
  const detail = await box(page.getByTestId("exchange-detail"));
  for (const status of [page.locator(".tx-head .tx-c-status"), row.locator(".tx-c-status")]) {
    const b = await box(status);
    assert.ok(b.width >= 30, `the status column has room (${b.width} px)`);
    assert.ok(within(b), `the status column is within the 1024×576 viewport (${JSON.stringify(b)})`);
    assert.ok(b.x + b.width <= detail.x, "the status column is not under the detail pane");
  }
  await shot("failure");

  await page.emulateMedia({ colorScheme: "dark" });
  await shot("failure-dark");
  await page.emulateMedia({ colorScheme: "light" });
});

test("the counter says the engine's true total, past the first page, live and after a reload", async () => {
  await page.goto(`${engine.admin}/#/traffic`);
  await page.getByTestId("exchange-row").first().waitFor({ timeout: 15000 });
  await seedLookups(engine.tenantUrl, engine.key, 600, "share", 8);
  const counter = page.getByTestId("exchange-count");
  let expected = "";
  await waitFor(
    "the counter to match the engine's total",
    async () => {
      const { total } = await engine.api("/api/exchanges?limit=1");
      expected = `${formatted(total)} exchanges`;
      return total > 600 && (await counter.textContent()).trim() === expected;
    },
    30000,
    250,
  );
  const { total } = await engine.api("/api/exchanges?limit=1");
  assert.ok(total > 500, `more exchanges than one page (${total})`);
  await page.reload();
  await page.getByTestId("exchange-row").first().waitFor({ timeout: 15000 });
  await waitFor("the reloaded counter", async () => (await counter.textContent()).trim() === `${formatted(total)} exchanges`, 10000);
  assert.ok((await page.getByTestId("exchange-row").count()) < total, "the table renders a window, the counter the total");

  // filtered: "n of total"
  const fourxx = (await engine.api("/api/exchanges?status=4xx&limit=1")).total;
  await page.goto(`${engine.admin}/#/traffic?status=4xx`);
  await waitFor(
    "the filtered counter",
    async () => (await counter.textContent()).trim() === `${formatted(fourxx)} of ${formatted(total)} exchanges`,
    10000,
  );
  await shot("total");
});

test("the timeline draws the outcomes and an Entra ID cycle, and keeps the table on a 576 px screen", async () => {
  await page.goto(`${engine.admin}/#/traffic`);
  const strip = page.getByTestId("timeline");
  await strip.waitFor({ timeout: 15000 });
  await page.getByTestId("timeline-bar").first().waitFor({ timeout: 10000 });
  const drawn = await page.$$eval('[data-testid="timeline-bar"] rect:not(.tx-tl-hit)', (rs) => rs.filter((r) => Number(r.getAttribute("height")) > 0).length);
  assert.ok(drawn >= 1, "bars are drawn");

  const stripBox = await box(strip);
  assert.ok(stripBox.height <= 70, `the timeline is at most 70 px tall (${stripBox.height})`);
  const grid = await box(page.getByRole("grid"));
  assert.ok(grid.y + grid.height <= VIEWPORT.height + 0.5, "the table ends within the viewport");
  assert.ok(grid.height >= 200, `the table keeps room for rows (${grid.height} px)`);

  const cycles = page.getByTestId("timeline-cycle");
  assert.ok((await cycles.count()) >= 1, "a cycle is detected");
  const timeline = await engine.api("/api/timeline");
  const entra = timeline.cycles.findIndex((c) => c.idp === "entra");
  assert.ok(entra >= 0, "the engine detected an Entra ID cycle");
  await cycles.nth(entra).hover();
  const tip = page.getByTestId("cycle-tooltip");
  await tip.waitFor({ timeout: 5000 });
  const words = await tip.textContent();
  assert.match(words, /Entra ID (cycle|push|connection test) at \d\d:\d\d — /);
  assert.ok(within(await box(tip)), "the tooltip is on screen");
  await shot("timeline");

  // clicking it lands the table on the cycle and marks its rows
  await cycles.nth(entra).click();
  await page.locator(".tx-row.in-cycle").first().waitFor({ timeout: 10000 });
});

test("no quirk chip is cut and SCIM filters read decoded", async () => {
  await page.goto(`${engine.admin}/#/traffic`);
  await page.getByTestId("exchange-row").first().waitFor({ timeout: 15000 });
  // a row with a decoded filter, and one that relied on quirks
  await page.waitForFunction(
    () => [...document.querySelectorAll('[data-testid="exchange-row"] .tx-c-path')].some((p) => p.textContent.includes('userName eq "')),
    null,
    { timeout: 10000 },
  );
  assert.ok(!(await page.locator('[data-testid="exchange-row"] .tx-c-path').allTextContents()).some((t) => /%22|%20|\+eq\+/.test(t)), "no raw encoding in the paths");

  // the strict refusals: their rows count a quirk (full table), their detail shows it as a chip
  const cutChips = () =>
    page.$$eval(".badge.quirk, .tx-quirk-count", (els) => {
      const shown = els.filter((e) => e.getClientRects().length > 0);
      return {
        shown: shown.length,
        cut: shown.filter((e) => e.textContent.trim().endsWith("…") || e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent),
      };
    });
  await page.goto(`${engine.admin}/#/traffic?status=4xx`);
  const withQuirk = page.locator('[data-testid="exchange-row"]:has([data-testid="quirk-count"])').first();
  await withQuirk.waitFor({ timeout: 10000 });
  const inTable = await cutChips();
  assert.ok(inTable.shown >= 1, `quirk counts are on screen in the table (${inTable.shown})`);
  assert.deepEqual(inTable.cut, [], "no quirk count is cut in the table");
  assert.match(await withQuirk.getByTestId("quirk-count").getAttribute("title"), /refused by strict mode: \w+\./);
  await shot("quirks-table");

  await withQuirk.click();
  await page.getByTestId("exchange-detail").waitFor({ timeout: 10000 });
  await page.locator('[data-testid="exchange-detail"] .badge.quirk').first().waitFor({ timeout: 10000 });
  const inDetail = await cutChips();
  assert.ok(inDetail.shown >= 1, `quirk chips are on screen in the detail (${inDetail.shown})`);
  assert.deepEqual(inDetail.cut, [], "no quirk chip is cut in the detail");
  await shot("quirks");
});

test("in presentation mode the status column still shows beside the open pane, internal ids hidden", async () => {
  const refused = (await engine.api("/api/exchanges?operation=create&limit=50")).items.find((x) => x.resourceId);
  assert.ok(refused, "a create that names its resource");
  await page.goto(`${engine.admin}/#/traffic/${refused.id}?operation=create`);
  const toggle = page.getByRole("switch", { name: /Presentation mode/ });
  await toggle.waitFor({ timeout: 10000 });
  if ((await toggle.getAttribute("aria-checked")) !== "true") await toggle.click();
  await page.waitForFunction(() => document.documentElement.classList.contains("presentation"), null, { timeout: 5000 });
  await page.getByTestId("request-headers").waitFor({ timeout: 10000 });
  const row = page.locator(`[data-testid="exchange-row"][data-id="${refused.id}"]`);
  await row.waitFor({ timeout: 10000 });
  const detail = await box(page.getByTestId("exchange-detail"));
  for (const status of [page.locator(".tx-head .tx-c-status"), row.locator(".tx-c-status")]) {
    const b = await box(status);
    assert.ok(b.width >= 30 && within(b) && b.x + b.width <= detail.x, `the status column shows (${JSON.stringify(b)})`);
  }
  const shownIds = await page.$$eval(".internal-id", (els) => els.filter((e) => e.getClientRects().length > 0).length);
  assert.equal(shownIds, 0, "internal ids are hidden in presentation mode");
  // the Resource line names the user, not its SCIM id (the bodies still show what was sent)
  const facts = await page.locator('[data-testid="exchange-detail"] .tx-facts').innerText();
  assert.ok(!facts.includes(refused.resourceId.slice(0, 8)), `the resource id is hidden on the Resource line: ${facts}`);
  await shot("presentation");
  await toggle.click();
});

test("no console errors", () => {
  assert.deepEqual(pageErrors, []);
});
