// Fault rules as an admin rehearses them on a shared screen: a 1280×720 screen at 125 % zoom (a
// 1024×576 CSS viewport at deviceScaleFactor 1.25), Debian's chromium through playwright-core,
// against the real engine (`scimlab serve --ui` on free loopback ports). Opens Faults (Alt+7),
// adds the "Throttled app" preset, sends a SCIM create from the test and sees the rule's hit
// counter reach 1 live; opens Traffic, where the faulted row is marked and its detail names the
// rule and what the IdP did next; disables the rule and sees the next create answered 201.
// Screenshots go to ui/test-results/faults-*.png. Every wait has a deadline; only 127.0.0.1.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";
import { requireCommands } from "./commands.mjs";
import { ARTIFACTS, SCIMLAB, UI_DIR, startEngine, waitFor } from "./harness.mjs";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const UI_DIST = process.env.SCIMLAB_UI_DIST ?? path.join(UI_DIR, "dist");
const VIEWPORT = { width: 1024, height: 576 };

let engine;
let browser;
let page;
const pageErrors = [];

const shot = (name) => page.screenshot({ path: path.join(ARTIFACTS, `faults-${name}.png`), animations: "disabled" });
const within = (b) => b && b.x >= 0 && b.y >= 0 && b.x + b.width <= VIEWPORT.width + 0.5 && b.y + b.height <= VIEWPORT.height + 0.5;

/** A SCIM user create as an IdP sends it; answers the status (and the body's text). */
async function createUser(userName) {
  const r = await fetch(`${engine.tenantUrl}/Users`, {
    method: "POST",
    headers: { Authorization: `Bearer ${engine.key}`, "Content-Type": "application/scim+json" },
    body: JSON.stringify({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName }),
  });
  return { status: r.status, retryAfter: r.headers.get("retry-after"), body: await r.text() };
}

before(async () => {
  requireCommands(["chromium", CHROMIUM]);
  assert.ok(existsSync(SCIMLAB), `${SCIMLAB} is missing: cargo build -p scimlab-cli --bin scimlab`);
  assert.ok(existsSync(path.join(UI_DIST, "index.html")), `${UI_DIST} is missing: npm --prefix ui run build`);
  engine = await startEngine();
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

let faulted; // the exchange the rule answered

test("Alt+7 opens Faults; the Throttled app preset is added and its counter moves live", async () => {
  await page.locator("h2").first().click({ timeout: 15000 });
  await page.keyboard.press("Alt+7");
  await page.waitForFunction(() => window.location.hash === "#/faults", null, { timeout: 5000 });
  const empty = page.getByTestId("faults-empty");
  await empty.waitFor({ timeout: 10000 });
  assert.match(await empty.textContent(), /fail on purpose/);
  // focus went into the screen: on the first preset, so Enter would add it
  await page.waitForFunction(() => document.activeElement?.matches(".fx-preset[data-autofocus]"), null, { timeout: 5000 });
  await shot("empty");

  await page.getByTestId("preset-throttled-app").click();
  const rule = page.getByTestId("fault-rule").filter({ hasText: "Throttled app" });
  await rule.waitFor({ timeout: 10000 });
  assert.match(await rule.getByTestId("fault-summary").textContent(), /every request → answer 429 with Retry-After 2 s · first 3 matches/);
  assert.equal((await rule.getByTestId("fault-hits").textContent()).trim(), "0");
  assert.match(await page.locator(".faults").textContent(), /first match wins/);

  const answer = await createUser("thr-1@example.com");
  assert.equal(answer.status, 429, `the rule answers the create: ${answer.body}`);
  assert.equal(answer.retryAfter, "2");

  // no reload: faults.changed moves the counter
  await page.waitForFunction(
    () => document.querySelector('[data-testid="fault-rule"] [data-testid="fault-hits"]')?.textContent?.trim() === "1",
    null,
    { timeout: 10000 },
  );
  assert.equal((await rule.getByTestId("fault-matches").textContent()).trim(), "1");
  assert.ok(within(await rule.boundingBox()), "the rule's row is on screen at 1024×576");
  await shot("rule");
  const { rules } = await engine.api("/api/faults");
  assert.deepEqual(
    rules.map((r) => [r.name, r.hits, r.matches]),
    [["Throttled app", 1, 1]],
  );
});

test("Traffic marks the faulted row; its detail names the rule and what the IdP did next", async () => {
  faulted = await waitFor("the faulted exchange", async () => (await engine.api("/api/exchanges?limit=20")).items.find((x) => x.fault), 10000);
  assert.equal(faulted.fault.ruleName, "Throttled app");
  await page.goto(`${engine.admin}/#/traffic`);
  const row = page.locator(`[data-testid="exchange-row"][data-id="${faulted.id}"]`);
  await row.waitFor({ timeout: 15000 });
  const chip = row.getByTestId("fault-chip");
  assert.equal((await chip.textContent()).trim(), "fault");
  assert.match(await chip.getAttribute("title"), /"Throttled app" answered 429/);
  assert.ok(within(await chip.boundingBox()), "the fault chip is on screen");
  await row.click();

  const section = page.getByTestId("fault-section");
  await section.waitFor({ timeout: 10000 });
  assert.equal((await section.getByTestId("fault-rule-name").textContent()).trim(), "Throttled app");
  assert.match(await section.getByTestId("fault-did").textContent(), /answered 429/);
  const reaction = section.getByTestId("fault-reaction");
  await reaction.waitFor({ timeout: 10000 });
  const sentence = (await reaction.textContent()).trim();
  assert.ok(sentence.length > 20, `a reaction sentence is shown: ${sentence}`);
  assert.ok((await section.getByTestId("reaction-kind").textContent()).trim().length > 0);
  // the rehearsed cause still explains the failure, below the Fault section
  const why = page.getByTestId("why-failed");
  assert.match(await why.getByTestId("why-title").textContent(), /a fault rule answered/);
  const [s, w] = [await section.boundingBox(), await why.boundingBox()];
  assert.ok(s.y < w.y, "the Fault section comes first");
  assert.ok(within(s), `the Fault section is on screen without scrolling (${JSON.stringify(s)})`);
  await shot("traffic");
});

test("a disabled rule lets the next create through: 201", async () => {
  await page.goto(`${engine.admin}/#/faults`);
  const rule = page.getByTestId("fault-rule").filter({ hasText: "Throttled app" });
  await rule.waitFor({ timeout: 10000 });
  const toggle = rule.getByRole("switch");
  assert.equal(await toggle.getAttribute("aria-checked"), "true");
  await toggle.click();
  await page.waitForFunction(
    () => document.querySelector('[data-testid="fault-rule"] [role="switch"]')?.getAttribute("aria-checked") === "false",
    null,
    { timeout: 10000 },
  );
  const { rules } = await engine.api("/api/faults");
  assert.equal(rules[0].enabled, false);

  const answer = await createUser("thr-1@example.com");
  assert.equal(answer.status, 201, `the create goes through: ${answer.body}`);
  // counters are kept while disabled, and a disabled rule counts nothing
  assert.equal((await rule.getByTestId("fault-hits").textContent()).trim(), "1");
  assert.equal((await rule.getByTestId("fault-matches").textContent()).trim(), "1");
  await shot("disabled");

  // the retry is the IdP's reaction: the faulted exchange's detail says so
  await page.goto(`${engine.admin}/#/traffic/${faulted.id}`);
  const reaction = page.getByTestId("fault-reaction");
  await reaction.waitFor({ timeout: 10000 });
  assert.match(await reaction.textContent(), /201/);
  assert.deepEqual(pageErrors, [], `no console errors: ${pageErrors.join("\n")}`);
});
