// Replay as an admin uses it on a shared screen: a 1280×720 screen at 125 % zoom (a 1024×576 CSS
// viewport at deviceScaleFactor 1.25), Debian's chromium through playwright-core, against two
// real engines (`scimlab serve --ui` on free loopback ports): the first captures two user
// creates sent by fetch; in its Traffic screen both rows are ticked and "Replay against…" sends
// them to the second engine's SCIM endpoint with its key. The verdict table shows every row
// passed, and the second engine then holds both users. Screenshots go to
// ui/test-results/replay-*.png. Every wait has a deadline; only 127.0.0.1.
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
const USERS = ["ada.replay@example.com", "grace.replay@example.com"];

let source; // the engine that captured the creates
let target; // the engine replayed into
let browser;
let page;
const pageErrors = [];

const shot = (name) => page.screenshot({ path: path.join(ARTIFACTS, `replay-${name}.png`), animations: "disabled" });
const within = (b) => b && b.x >= 0 && b.y >= 0 && b.x + b.width <= VIEWPORT.width + 0.5 && b.y + b.height <= VIEWPORT.height + 0.5;

/** A SCIM user create as an IdP sends it; answers the status and the body's text. */
async function createUser(engine, userName) {
  const r = await fetch(`${engine.tenantUrl}/Users`, {
    method: "POST",
    headers: { Authorization: `Bearer ${engine.key}`, "Content-Type": "application/scim+json" },
    body: JSON.stringify({
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
      userName,
      name: { givenName: userName.split(".")[0], familyName: "Replay" },
      emails: [{ value: userName, type: "work", primary: true }],
      active: true,
    }),
  });
  return { status: r.status, body: await r.text() };
}

before(async () => {
  requireCommands(["chromium", CHROMIUM]);
  assert.ok(existsSync(SCIMLAB), `${SCIMLAB} is missing: cargo build -p scimlab-cli --bin scimlab`);
  assert.ok(existsSync(path.join(UI_DIST, "index.html")), `${UI_DIST} is missing: npm --prefix ui run build`);
  [source, target] = await Promise.all([startEngine(), startEngine()]);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1.25, colorScheme: "light" });
  page = await context.newPage();
  page.on("console", (m) => m.type() === "error" && pageErrors.push(m.text()));
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  await page.goto(source.loginUrl);
});

after(async () => {
  await browser?.close();
  await Promise.all([source?.stop(), target?.stop()]);
});

test("two creates ticked in Traffic replay into a second ScimLab: every verdict passes and it holds both users", async () => {
  for (const u of USERS) {
    const answer = await createUser(source, u);
    assert.equal(answer.status, 201, `the source takes the create: ${answer.body}`);
  }
  const creates = await waitFor(
    "the two captured creates",
    async () => {
      const items = (await source.api("/api/exchanges?operation=create&limit=20")).items.filter((x) => x.status === 201);
      return items.length === 2 ? items : null;
    },
    10000,
  );

  await page.goto(`${source.admin}/#/traffic`);
  for (const x of creates) {
    const row = page.locator(`[data-testid="exchange-row"][data-id="${x.id}"]`);
    await row.waitFor({ timeout: 15000 });
    await row.getByTestId("exchange-check").click();
  }
  assert.match(await page.getByTestId("selected-count").textContent(), /2 selected/);
  assert.equal(await page.evaluate(() => window.location.hash), "#/traffic", "ticking a row does not open it");
  const button = page.getByTestId("replay-button");
  assert.ok(within(await button.boundingBox()), "Replay against… is on screen at 1024×576");
  await shot("ticked");

  await button.click();
  const dialog = page.getByTestId("replay-dialog");
  await dialog.waitFor({ timeout: 5000 });
  assert.match(await dialog.getByTestId("replay-what").textContent(), /2 selected exchanges/);
  await dialog.getByLabel("Target SCIM base URL").fill(target.tenantUrl);
  await dialog.getByLabel("Token").fill(target.key);
  assert.equal(await dialog.getByLabel("Token").getAttribute("type"), "password");
  await shot("form");
  await dialog.getByRole("button", { name: "Start replay" }).click();

  const run = dialog.getByTestId("replay-run");
  // Until it has ended (before the first progress the element may not exist, or not say running yet).
  await page.waitForFunction(
    () => ["finished", "failed"].includes(document.querySelector('[data-testid="replay-run"]')?.getAttribute("data-state") ?? ""),
    null,
    { timeout: 30000 },
  );
  assert.equal(await run.getAttribute("data-state"), "finished", `the replay ran: ${await run.textContent()}`);
  const table = dialog.getByTestId("replay-verdicts");
  await table.waitFor({ timeout: 10000 });
  const steps = table.getByTestId("replay-step");
  assert.equal(await steps.count(), 2);
  assert.deepEqual(
    (await steps.evaluateAll((rows) => rows.map((r) => r.getAttribute("data-exchange")))).map(Number),
    creates.map((x) => x.id).sort((a, b) => a - b),
    "the creates, in their original order",
  );
  assert.deepEqual(await table.getByTestId("replay-verdict").allTextContents(), ["pass", "pass"], await table.textContent());
  for (const row of await steps.all()) assert.match(await row.locator(".rp-c-status").textContent(), /^201\s*→\s*201$/);
  assert.equal((await dialog.getByTestId("replay-outcome").textContent()).trim(), "passed");
  assert.match(await dialog.getByTestId("replay-summary").textContent(), /2 passed, 0 failed, 0 not sent/);
  assert.ok(within(await dialog.boundingBox()), "the dialog fits the screen");
  assert.ok(within(await table.boundingBox()), "the verdict table is on screen without scrolling");

  // a row shows what was rewritten
  await steps.first().getByRole("button", { name: /show what was rewritten in step 1/ }).click();
  await dialog.getByTestId("replay-step-details").waitFor({ timeout: 5000 });
  await shot("verdicts");

  // the target now holds both users
  const r = await fetch(`${target.tenantUrl}/Users?count=50`, { headers: { Authorization: `Bearer ${target.key}` } });
  assert.equal(r.status, 200);
  const list = await r.json();
  assert.deepEqual(list.Resources.map((u) => u.userName).sort(), [...USERS].sort());

  // the token went nowhere the page keeps
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  assert.ok(!stored.includes(target.key), "the target's key is not stored in the browser");
  assert.ok(stored.includes(target.tenantUrl), "the target URL is remembered for the session");

  // Escape closes; reopening keeps the URL, never the token, and offers the last replay
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "detached", timeout: 5000 });
  await button.click();
  await dialog.waitFor({ timeout: 5000 });
  assert.equal(await dialog.getByLabel("Token").inputValue(), "", "the token is never shown back");
  assert.equal(await dialog.getByLabel("Target SCIM base URL").inputValue(), target.tenantUrl);
  assert.match(await dialog.locator(".rp-last").textContent(), /Last replay: passed/);
  await dialog.getByRole("button", { name: "show it" }).click();
  await dialog.getByTestId("replay-verdicts").waitFor({ timeout: 5000 });
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "detached", timeout: 5000 });
  assert.deepEqual(pageErrors, [], `no console errors: ${pageErrors.join("\n")}`);
});
