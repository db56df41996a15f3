// The UI in a real browser (Debian's chromium through playwright-core) against a real engine
// (`scimlab serve --ui` on free loopback ports): an Entra and an Okta flow replayed at the SCIM
// port must show up live in Traffic, the detail pane must show redacted headers, a user page
// its role and mapping, and the checklist must move from "not yet seen" to pass. Screenshots
// go to ui/test-results/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { chromium } from "playwright-core";
import { requireCommands } from "./commands.mjs";
import { ARTIFACTS, simulate, startEngine } from "./harness.mjs";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

let engine;
let browser;
let page;
const problems = [];

before(async () => {
  requireCommands(["chromium", CHROMIUM]);
  engine = await startEngine();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const context = await browser.newContext({ viewport: { width: 1360, height: 860 }, colorScheme: "light" });
  page = await context.newPage();
  page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
  page.on("pageerror", (e) => problems.push(String(e)));
});

after(async () => {
  await browser?.close();
  await engine?.stop();
});

const shot = (name) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });

test("connect shows the tenant url and waits for the first request", async () => {
  await page.goto(engine.loginUrl);
  await page.goto(`${engine.admin}/#/connect`);
  // The element renders before the endpoint has loaded: wait for its text.
  await page.waitForFunction(
    (url) => document.querySelector('[data-testid="tenant-url"]')?.textContent?.trim() === url,
    engine.tenantUrl,
    { timeout: 15000 },
  );
  await page.getByTestId("waiting-first-request").waitFor({ timeout: 10000 });
  assert.ok(!(await page.content()).includes(engine.key), "the scim key is not on the page unrevealed");
  await shot("connect-waiting");
});

test("an entra flow fills the traffic table live, with redacted headers in the detail", async () => {
  await page.goto(`${engine.admin}/#/traffic`);
  await page.waitForTimeout(500);
  assert.equal(await page.getByTestId("exchange-row").count(), 0, "no traffic before the flow");
  await simulate(engine, "entra", ["--users", "6", "--seed", "3"]);
  // Live: no reload, the rows arrive through the event stream.
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="exchange-row"]').length >= 10, null, { timeout: 20000 });
  const text = await page.locator('[data-testid="exchange-row"]').first().textContent();
  assert.match(text, /Entra ID/);
  // Open a create (its request carries the Authorization header).
  await page.locator('[data-testid="exchange-row"]', { hasText: "create" }).first().click();
  const detail = page.getByTestId("exchange-detail");
  await detail.waitFor({ timeout: 10000 });
  const headers = page.getByTestId("request-headers");
  await headers.waitFor({ timeout: 10000 });
  const headerText = await headers.textContent();
  assert.match(headerText, /authorization/i);
  assert.match(headerText, /Bearer …/);
  assert.ok(!headerText.includes(engine.key), "the key must be redacted");
  await shot("traffic-entra");
});

test("the theme follows the os: dark and light", async () => {
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const light = await background();
  await page.emulateMedia({ colorScheme: "dark" });
  const dark = await background();
  assert.notEqual(dark, light, "the dark scheme changes the page");
  const [r, g, b] = dark.match(/\d+/g).map(Number);
  assert.ok(r + g + b < 150, `a dark background, got ${dark}`);
  await shot("traffic-entra-dark");
  await page.emulateMedia({ colorScheme: "light" });
  assert.equal(await background(), light);
});

test("the connect screen flipped to 'first request seen'", async () => {
  await page.goto(`${engine.admin}/#/connect`);
  await page.getByTestId("first-request-seen").waitFor({ timeout: 10000 });
});

test("a user page shows the role and the field-by-field mapping", async () => {
  await page.goto(`${engine.admin}/#/users`);
  await page.getByTestId("user-row").first().waitFor({ timeout: 15000 });
  const users = await engine.api("/api/users?count=500");
  assert.ok(users.totalResults >= 1);
  const admin = users.resources.findIndex((_, i) => users.mappings[i].effectiveRole === "Admin");
  const index = admin >= 0 ? admin : 0;
  const user = users.resources[index];
  await page.locator(`[data-testid="user-row"][data-id="${user.id}"]`).click();
  await page.getByTestId("user-page").waitFor({ timeout: 10000 });
  const role = await page.getByTestId("user-role").textContent();
  assert.match(role, new RegExp(users.mappings[index].effectiveRole));
  const table = await page.getByTestId("mapping-table").textContent();
  for (const field of ["userName", "email", "role"]) assert.match(table, new RegExp(field));
  assert.ok(table.includes(user.userName), "the mapped userName is shown");
  await shot("user-page");
});

test("the okta checklist moves from not yet seen to pass", async () => {
  await page.goto(`${engine.admin}/#/checklist/okta`);
  const item = page.getByTestId("check-connection.test");
  await item.waitFor({ timeout: 15000 });
  assert.equal(await item.getAttribute("data-status"), "not-yet-seen");
  await simulate(engine, "okta", ["--users", "4"]);
  await page.waitForFunction(
    () => document.querySelector('[data-testid="check-connection.test"]')?.getAttribute("data-status") === "pass",
    null,
    { timeout: 20000 },
  );
  await shot("checklist-okta");
});

test("no console errors and no content-security-policy violations", async () => {
  const csp = problems.filter((p) => /content security policy/i.test(p));
  assert.deepEqual(csp, [], "csp violations");
  assert.deepEqual(problems, [], "console errors");
});
