// Workspaces as an admin uses them on a shared screen: a 1280×720 screen at 125 % zoom (a
// 1024×576 CSS viewport at deviceScaleFactor 1.25), Debian's chromium through playwright-core,
// against the real engine (`scimlab serve --ui` on free loopback ports). In the UI: create
// "Contoso Entra" from the Entra template (the switcher shows it and its tenant URL, Connect opens
// on Entra ID's steps); a SCIM user create sent by fetch to its tenant URL with its key shows in
// its Traffic and not in default's; while default is selected the switcher's live dot lights
// for contoso when more arrives there; the pseudonymised export downloads a .scimlab file; the
// delete confirmation says what is lost, and the workspace is gone from the list and the API
// (its tenant URL then answers 401); a damaged file is refused on import in the engine's words,
// and the export imports back under another name. Screenshots go to ui/test-results/workspaces-*.png. Every
// wait has a deadline; only 127.0.0.1; no console errors.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";
import { requireCommands } from "./commands.mjs";
import { ARTIFACTS, SCIMLAB, UI_DIR, startEngine, waitFor } from "./harness.mjs";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const UI_DIST = process.env.SCIMLAB_UI_DIST ?? path.join(UI_DIR, "dist");
const VIEWPORT = { width: 1024, height: 576 };
const SLUG = "contoso-entra";

let engine;
let browser;
let page;
const pageErrors = [];
/** The damaged import is about to be refused (its 400 is expected, once). */
let expectRefusal = false;

const shot = (name) => page.screenshot({ path: path.join(ARTIFACTS, `workspaces-${name}.png`), animations: "disabled" });
const within = (b) => b && b.x >= 0 && b.y >= 0 && b.x + b.width <= VIEWPORT.width + 0.5 && b.y + b.height <= VIEWPORT.height + 0.5;

/** An admin API call with the token; answers the status and the parsed body. */
async function admin(method, p) {
  const r = await fetch(`${engine.admin}${p}`, { method, headers: { Authorization: `Bearer ${engine.token}` } });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

/** A SCIM user create as Entra ID sends it; answers the status and the body's text. */
async function createUser(tenantUrl, key, userName) {
  const r = await fetch(`${tenantUrl}/Users`, {
    method: "POST",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/scim+json", "User-Agent": "Azure-AD-SCIM/1.0" },
    body: JSON.stringify({
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
      userName,
      name: { givenName: userName.split(".")[0], familyName: "Contoso" },
      emails: [{ value: userName, type: "work", primary: true }],
      active: true,
    }),
  });
  return { status: r.status, body: await r.text() };
}

const switcher = () => page.getByTestId("workspace-switcher");
const currentName = async () => (await page.getByTestId("workspace-current-name").textContent()).trim();
const menuItem = (slug) => page.locator(`[data-testid="workspace-item"][data-slug="${slug}"]`);

/** Open the switcher's menu (bounded). */
async function openMenu() {
  if ((await switcher().getAttribute("aria-expanded")) !== "true") await switcher().click();
  await page.getByTestId("workspace-menu").waitFor({ timeout: 5000 });
}

/** Switch to `slug` through the menu and wait until the switcher says so. */
async function switchTo(slug, name) {
  await openMenu();
  await menuItem(slug).click();
  await page.waitForFunction(
    ([s, n]) => {
      const t = document.querySelector('[data-testid="workspace-switcher"]');
      return t?.getAttribute("data-slug") === s && document.querySelector('[data-testid="workspace-current-name"]')?.textContent?.trim() === n;
    },
    [slug, name],
    { timeout: 10000 },
  );
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
  const context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1.25, colorScheme: "light", acceptDownloads: true });
  page = await context.newPage();
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    // the one refusal this test asks for: Chromium logs every 4xx answer as a console error
    if (expectRefusal && /status of 400/.test(m.text()) && m.location().url.endsWith("/api/workspaces/import")) {
      expectRefusal = false;
      return;
    }
    pageErrors.push(`${m.text()} (${m.location().url})`);
  });
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  await page.goto(engine.loginUrl);
});

after(async () => {
  await browser?.close();
  await engine?.stop();
});

test("create from the Entra template, capture into it alone, see its live dot from default, export pseudonymised, delete", async () => {
  // ---- create "Contoso Entra" from the Entra template in the UI -------------------------------
  await page.goto(`${engine.admin}/#/traffic`);
  await page.waitForFunction(() => document.querySelector('[data-testid="workspace-current-name"]')?.textContent?.trim() === "Default", null, {
    timeout: 15000,
  });
  assert.ok(within(await switcher().boundingBox()), "the switcher is on screen at 1024×576");
  await openMenu();
  assert.ok(within(await page.getByTestId("workspace-menu").boundingBox()), "the menu fits the screen");
  await shot("menu");
  await page.getByTestId("workspace-create").click();
  const create = page.getByTestId("workspace-create-dialog");
  await create.waitFor({ timeout: 5000 });
  await create.getByLabel("Name").fill("Contoso Entra");
  assert.equal(await create.getByTestId("workspace-create-slug").textContent(), SLUG);
  const previewUrl = await create.getByTestId("workspace-create-url").textContent();
  assert.equal(previewUrl, `http://127.0.0.1:${engine.scimPort}/w/${SLUG}/scim/v2`);
  await create.getByLabel("Entra ID — guide setup").check();
  assert.ok(within(await create.boundingBox()), "the create dialog fits the screen");
  await shot("create");
  await create.getByRole("button", { name: "Create and switch" }).click();
  await create.waitFor({ state: "detached", timeout: 10000 });

  await page.waitForFunction(
    (slug) => document.querySelector('[data-testid="workspace-switcher"]')?.getAttribute("data-slug") === slug,
    SLUG,
    { timeout: 10000 },
  );
  await page.waitForFunction(() => document.querySelector('[data-testid="workspace-current-name"]')?.textContent?.trim() === "Contoso Entra", null, {
    timeout: 10000,
  });
  assert.match(await page.getByTestId("workspace-current-url").textContent(), /\/w\/contoso-entra\/scim\/v2$/);
  // Connect, on the new workspace's tenant URL, opens on Entra ID's steps
  assert.equal(await page.evaluate(() => window.location.hash), "#/connect");
  await page.waitForFunction((u) => document.querySelector('[data-testid="tenant-url"]')?.textContent === u, previewUrl, { timeout: 10000 });
  assert.equal(await page.getByRole("tab", { selected: true }).textContent(), "Microsoft Entra ID");
  assert.match(await page.getByTestId("test-group-advice").textContent(), /only a test group/);
  const listed = (await admin("GET", "/api/workspaces")).body;
  assert.deepEqual(
    listed.map((w) => [w.slug, w.template]),
    [
      ["default", null],
      [SLUG, "entra-guide"],
    ],
  );
  await shot("created");

  // ---- a user create sent to its tenant URL with its key -----------------------------------
  const revealed = await admin("POST", `/api/workspaces/${SLUG}/endpoint/reveal`);
  assert.equal(revealed.status, 200);
  const key = revealed.body.key;
  assert.notEqual(key, engine.key, "each workspace has its own key");
  const tenantUrl = listed[1].tenantUrl;
  assert.equal(tenantUrl, previewUrl);
  const first = await createUser(tenantUrl, key, "ada.contoso@example.com");
  assert.equal(first.status, 201, `the workspace takes the create: ${first.body}`);
  const exchanges = await waitFor(
    "the captured create in contoso",
    async () => {
      const items = (await admin("GET", `/api/workspaces/${SLUG}/exchanges?limit=20`)).body.items;
      return items.length > 0 ? items : null;
    },
    10000,
  );

  // Traffic in contoso shows it
  await page.goto(`${engine.admin}/#/traffic`);
  const row = page.locator(`[data-testid="exchange-row"][data-id="${exchanges[0].id}"]`);
  await row.waitFor({ timeout: 15000 });
  assert.match(await row.textContent(), /ada\.contoso@example\.com|Users/);
  await shot("traffic-contoso");

  // default's Traffic does not
  await switchTo("default", "Default");
  await page.getByText("No traffic yet").waitFor({ timeout: 10000 });
  assert.equal(await page.locator('[data-testid="exchange-row"]').count(), 0, "default's Traffic has no rows");
  assert.equal((await admin("GET", "/api/exchanges?limit=5")).body.items.length, 0);
  assert.equal(await page.evaluate(() => localStorage.getItem("scimlab.workspace")), null, "default is remembered as nothing");

  // ---- while default is selected, contoso's live dot lights when more arrives there ---------
  await openMenu();
  await menuItem(SLUG).waitFor({ timeout: 5000 });
  assert.equal(await menuItem(SLUG).getByTestId("workspace-dot").getAttribute("data-lit"), "false");
  const second = await createUser(tenantUrl, key, "grace.contoso@example.com");
  assert.equal(second.status, 201, second.body);
  await page.waitForFunction(
    (slug) => document.querySelector(`[data-testid="workspace-item"][data-slug="${slug}"] [data-testid="workspace-dot"]`)?.getAttribute("data-lit") === "true",
    SLUG,
    { timeout: 10000 },
  );
  assert.equal(await menuItem("default").getByTestId("workspace-dot").getAttribute("data-lit"), "false");
  assert.equal(await page.getByTestId("workspace-elsewhere").count(), 1, "the closed switcher would say so too");
  assert.equal(await page.locator('[data-testid="exchange-row"]').count(), 0, "and default's Traffic stays empty");
  await shot("live-dot");
  await page.keyboard.press("Escape");
  await page.getByTestId("workspace-menu").waitFor({ state: "detached", timeout: 5000 });

  // presentation mode (larger type): the switcher and its menu still fit
  const presentation = page.getByRole("switch", { name: "Presentation mode" });
  await presentation.click();
  await page.waitForFunction(() => document.documentElement.classList.contains("presentation"), null, { timeout: 5000 });
  await openMenu();
  await menuItem(SLUG).waitFor({ timeout: 5000 });
  assert.ok(within(await switcher().boundingBox()), "the switcher fits in presentation mode");
  assert.ok(within(await page.getByTestId("workspace-menu").boundingBox()), "the menu fits in presentation mode");
  await shot("presentation");
  await page.keyboard.press("Escape");
  await presentation.click();

  // the choice survives a reload
  await switchTo(SLUG, "Contoso Entra");
  assert.equal(await page.evaluate(() => localStorage.getItem("scimlab.workspace")), SLUG);
  await page.reload();
  await page.waitForFunction(() => document.querySelector('[data-testid="workspace-current-name"]')?.textContent?.trim() === "Contoso Entra", null, {
    timeout: 15000,
  });
  await page.locator('[data-testid="exchange-row"]').nth(1).waitFor({ timeout: 15000 });

  // ---- export, pseudonymised --------------------------------------------------------------
  await openMenu();
  await page.getByTestId("workspace-export").click();
  const exp = page.getByTestId("workspace-export-dialog");
  await exp.waitFor({ timeout: 5000 });
  assert.equal(await exp.getByLabel("Pseudonymise names, emails and ids").isChecked(), true);
  assert.ok(within(await exp.boundingBox()), "the export dialog fits the screen");
  await shot("export");
  const [download] = await Promise.all([page.waitForEvent("download", { timeout: 15000 }), exp.getByTestId("workspace-export-download").click()]);
  assert.equal(download.suggestedFilename(), `${SLUG}-pseudonymised.scimlab`);
  const saved = path.join(engine.dir, "export.scimlab");
  await download.saveAs(saved);
  const bytes = readFileSync(saved);
  assert.equal(bytes.subarray(0, 15).toString("latin1"), "SQLite format 3", "a SQLite database");
  assert.ok(!bytes.includes(Buffer.from("ada.contoso@example.com")), "pseudonymised: the real userName is not in the file");
  assert.ok(!bytes.includes(Buffer.from(key)), "the SCIM key is not in the file");
  await exp.waitFor({ state: "detached", timeout: 5000 });

  // ---- delete through the confirmation -------------------------------------------------------
  await openMenu();
  await page.getByTestId("workspace-delete").click();
  const del = page.getByTestId("workspace-delete-dialog");
  await del.waitFor({ timeout: 5000 });
  await page.waitForFunction(
    () => /^2 users, 0 groups, 2 exchanges,/.test(document.querySelector('[data-testid="workspace-delete-loss"]')?.textContent ?? ""),
    null,
    { timeout: 5000 },
  );
  assert.equal(
    await del.getByTestId("workspace-delete-loss").textContent(),
    `2 users, 0 groups, 2 exchanges, its SCIM key and its fault rules are erased for good; the IdP pointed at ${tenantUrl} will get 401.`,
  );
  const go = del.getByRole("button", { name: "Delete for good" });
  assert.equal(await go.isDisabled(), true, "nothing happens before the name is typed");
  await del.getByLabel(/to confirm/).fill("Contoso Entra");
  assert.ok(within(await del.boundingBox()), "the delete dialog fits the screen");
  await shot("delete");
  await go.click();
  await del.waitFor({ state: "detached", timeout: 10000 });
  await page.waitForFunction(() => document.querySelector('[data-testid="workspace-switcher"]')?.getAttribute("data-slug") === "default", null, {
    timeout: 10000,
  });
  await openMenu();
  await menuItem("default").waitFor({ timeout: 5000 });
  await waitFor("contoso gone from the menu", async () => (await menuItem(SLUG).count()) === 0, 5000);
  assert.deepEqual((await admin("GET", "/api/workspaces")).body.map((w) => w.slug), ["default"]);
  assert.equal((await admin("GET", `/api/workspaces/${SLUG}`)).status, 404);
  assert.equal((await createUser(tenantUrl, key, "late.contoso@example.com")).status, 401, "the IdP pointed at it gets 401");
  await shot("deleted");
  await page.keyboard.press("Escape");
  assert.equal(await page.evaluate(() => localStorage.getItem("scimlab.workspace")), null);

  // ---- import: a damaged file is refused in the engine's words; the export comes back --------
  await openMenu();
  await page.getByTestId("workspace-import").click();
  const imp = page.getByTestId("workspace-import-dialog");
  await imp.waitFor({ timeout: 5000 });
  const bogus = path.join(engine.dir, "not-an-export.scimlab");
  writeFileSync(bogus, "this is not a database");
  await imp.getByTestId("workspace-import-file").setInputFiles(bogus);
  expectRefusal = true;
  await imp.getByRole("button", { name: "Import and switch" }).click();
  const refused = imp.getByTestId("workspace-error");
  await refused.waitFor({ timeout: 10000 });
  assert.ok((await refused.textContent()).length > 10, "the engine's reason is shown");
  await shot("import-refused");
  await imp.getByTestId("workspace-import-file").setInputFiles(saved);
  await imp.getByLabel("Name (optional)").fill("Contoso again");
  await imp.getByRole("button", { name: "Import and switch" }).click();
  await imp.waitFor({ state: "detached", timeout: 15000 });
  await page.waitForFunction(() => document.querySelector('[data-testid="workspace-current-name"]')?.textContent?.trim() === "Contoso again", null, {
    timeout: 10000,
  });
  const imported = (await admin("GET", "/api/workspaces")).body.find((w) => w.name === "Contoso again");
  assert.ok(imported, "the import is listed");
  assert.equal(imported.users, 2);
  assert.equal(await switcher().getAttribute("data-slug"), imported.slug);
  assert.deepEqual(pageErrors, [], `no console errors: ${pageErrors.join("\n")}`);
});
