// The Users, user page and Settings screens as a support engineer shares them during a call: a
// 1280×720 screen at 125 % zoom (a 1024×576 CSS viewport at deviceScaleFactor 1.25), Debian's
// chromium through playwright-core, against the real engine (`scimlab serve --ui` on free
// loopback ports) holding 5,000 users POSTed straight to the SCIM endpoint plus 50 from a
// simulated Okta. Checks that the engine searches every user (the oldest one, far from the first
// page, is found; the total is the true one; the Okta filter gives Okta's users), that the user
// page's mapping breaks no name, email or field name inside a word at this size, that choosing
// another profile asks first and Undo puts the previous one back, and that the profile editor
// flags a bad path as it is typed and suggests paths users carry. Screenshots go to
// ui/test-results/share-users-*.png. Every wait has a deadline; only 127.0.0.1.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { chromium } from "playwright-core";
import { requireCommands } from "./commands.mjs";
import { ARTIFACTS, simulate, startEngine, waitFor } from "./harness.mjs";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const BULK = 5000;
const OKTA = 50;
const SEED_DEADLINE_MS = 120000;

let engine;
let browser;
let page;
let seeded = { seconds: 0, okta: 0, total: 0 };
const problems = [];

/** POST `n` users (`bulk<i>@example.com`) to the SCIM endpoint with `concurrency` clients, in
 *  order of i as far as the clients allow (bulk0 is created first); answers the seconds taken.
 *  Throws on any answer but 201, or past the deadline. */
async function seedUsers(n, concurrency = 16) {
  let next = 0;
  const started = Date.now();
  const worker = async () => {
    while (next < n) {
      if (Date.now() - started > SEED_DEADLINE_MS) throw new Error(`seeding ${n} users took over ${SEED_DEADLINE_MS} ms (at ${next})`);
      const i = next++;
      const r = await fetch(`${engine.tenantUrl}/Users`, {
        method: "POST",
        headers: { Authorization: `Bearer ${engine.key}`, "Content-Type": "application/scim+json" },
        body: JSON.stringify({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: `bulk${i}@example.com`, active: true }),
        signal: AbortSignal.timeout(15000),
      });
      const body = await r.text();
      if (r.status !== 201) throw new Error(`POST bulk${i}@example.com answered ${r.status}: ${body}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return (Date.now() - started) / 1000;
}

/** The number of users matching `query` (the admin API's true total). */
async function usersMatching(query = "") {
  const r = await engine.api(`/api/users?count=0${query ? `&${query}` : ""}`);
  return r.totalResults;
}

const shot = (name) => page.screenshot({ path: path.join(ARTIFACTS, `share-users-${name}.png`) });
const count = (n) => n.toLocaleString("en-US");

/** The text of the list's header total once it matches `re`. */
async function headerMatching(re, ms = 15000) {
  return waitFor(
    `the users header to match ${re}`,
    async () => {
      const t = (await page.getByTestId("users-count").textContent({ timeout: 2000 }))?.trim() ?? "";
      return re.test(t) ? t : null;
    },
    ms,
  );
}

before(async () => {
  requireCommands(["chromium", CHROMIUM]);
  engine = await startEngine();
  seeded.seconds = await seedUsers(BULK);
  await simulate(engine, "okta", ["--users", String(OKTA), "--seed", "7"]);
  seeded.okta = await usersMatching("idp=okta");
  seeded.total = await usersMatching();
  console.log(`seeded ${BULK} users in ${seeded.seconds.toFixed(1)} s; ${seeded.okta} by Okta; ${seeded.total} in all`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const context = await browser.newContext({ viewport: { width: 1024, height: 576 }, deviceScaleFactor: 1.25, colorScheme: "light" });
  context.setDefaultTimeout(15000);
  page = await context.newPage();
  page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
  page.on("pageerror", (e) => problems.push(String(e)));
  await page.goto(engine.loginUrl);
});

after(async () => {
  await browser?.close();
  await engine?.stop();
});

test("5,000 users seed in bounded time and Okta made its users", () => {
  assert.ok(seeded.seconds < SEED_DEADLINE_MS / 1000, `seeding took ${seeded.seconds} s`);
  assert.equal(seeded.total, BULK + seeded.okta);
  assert.equal(seeded.okta, OKTA, "the Okta simulation creates one user per --users");
});

test("the engine searches every user: the oldest is found and the total is the true one", async () => {
  await page.goto(`${engine.admin}/#/users`);
  const total = await headerMatching(/users$/);
  assert.equal(total, `${count(seeded.total)} users`);
  assert.match(total, /^5,0\d\d users$/);
  // newest first: the first user created is nowhere near the first page
  await page.getByTestId("user-row").first().waitFor();
  const shown = await page.getByTestId("user-row").count();
  assert.ok(shown < seeded.total, `only a page is loaded (${shown})`);
  assert.equal(await page.locator('[data-testid="user-row"]', { hasText: "bulk0@example.com" }).count(), 0, "bulk0 is not on the first page");
  await shot("list");

  await page.getByLabel("search users").fill("bulk0@example.com");
  const found = await headerMatching(/matches$/);
  assert.equal(found, `1 of ${count(seeded.total)} matches`);
  await waitFor("the one match to be listed", async () => (await page.getByTestId("user-row").count()) === 1);
  assert.equal((await page.getByTestId("user-row").locator(".users-name").textContent()).trim(), "bulk0@example.com");
  assert.match(page.url(), /#\/users\?q=bulk0%40example\.com$/, "the search is in the URL");
  await shot("search");

  // nothing matches: the message says so and offers to clear the filters
  await page.getByLabel("search users").fill("nobody-is-called-this");
  const none = page.getByTestId("users-none");
  await none.waitFor();
  assert.match(await none.textContent(), /No user matches these filters/);
  assert.doesNotMatch(await none.textContent(), /loaded/);
  await none.getByRole("button", { name: "Clear filters" }).click();
  await headerMatching(/^5,0\d\d users$/);

  await page.getByLabel("IdP").selectOption("okta");
  const okta = await headerMatching(/match$/);
  assert.equal(okta, `${count(seeded.okta)} of ${count(seeded.total)} match`);
  // the list is virtualised: it holds every Okta user (aria-rowcount), renders those on screen
  const listed = async () => Number(await page.locator(".users-table").getAttribute("aria-rowcount")) - 1;
  await waitFor("Okta's users to be listed", async () => (await listed()) === seeded.okta);
  const rendered = await page.getByTestId("user-row").count();
  assert.ok(rendered > 0 && rendered < seeded.okta, `only the rows on screen are rendered (${rendered} of ${seeded.okta})`);
  const badges = await page.locator('[data-testid="user-row"] .badge.idp-okta').count();
  assert.equal(badges, rendered, "every row carries the Okta badge");
  assert.match(page.url(), /#\/users\?idp=okta$/);
  await shot("okta");
});

/** Words (runs of non-space) inside `selector` that render over more than one line. */
function brokenWords(selector) {
  return page.evaluate((sel) => {
    const broken = [];
    const words = [];
    for (const el of document.querySelectorAll(sel)) {
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      // a word may span text nodes split by <wbr>: measure each whole word of the element
      const nodes = [];
      for (let n = walker.nextNode(); n; n = walker.nextNode()) nodes.push(n);
      const text = nodes.map((n) => n.textContent).join("");
      const at = (offset) => {
        for (const n of nodes) {
          if (offset <= n.textContent.length) return [n, offset];
          offset -= n.textContent.length;
        }
        const last = nodes[nodes.length - 1];
        return [last, last.textContent.length];
      };
      const re = /\S+/g;
      let m;
      while ((m = re.exec(text))) {
        const range = document.createRange();
        range.setStart(...at(m.index));
        range.setEnd(...at(m.index + m[0].length));
        const rects = [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
        const lines = new Set(rects.map((r) => Math.round(r.top + r.height / 2)));
        words.push(m[0]);
        if (lines.size > 1) broken.push(m[0]);
      }
    }
    return { words, broken };
  }, selector);
}

test("at 1024×576 and 125 % the user page's mapping breaks no name, email or field name inside a word", async () => {
  // an Okta user: an email-shaped userName, a display name, an email
  await page.goto(`${engine.admin}/#/users?idp=okta`);
  await page.getByTestId("user-row").first().waitFor();
  await page.getByTestId("user-row").first().locator(".users-name a").click();
  await page.getByTestId("user-page").waitFor();
  const wrap = page.locator(".mapping-wrap");
  await wrap.waitFor();
  const layout = await wrap.getAttribute("data-layout");
  console.log(`mapping layout at 1024×576: ${layout}`);

  const { words, broken } = await brokenWords('[data-testid="user-page"] [data-words], [data-testid="user-page"] h2.user-title');
  const userName = (await page.locator("h2.user-title").textContent()).trim();
  assert.match(userName, /@okta\.example$/);
  assert.ok(words.includes("userName") && words.includes("email") && words.includes("displayName") && words.includes("role"), `field names checked: ${words}`);
  assert.ok(words.includes(userName), `the userName value is checked (${words})`);
  assert.ok(words.some((w) => w === `"${userName}"` || /@okta\.example"$/.test(w)), "a raw email is checked");
  assert.deepEqual(broken, [], `words broken across lines: ${broken.join(", ")}`);

  // the field names and values never overflow what holds them either
  const clipped = await page.evaluate(() =>
    [...document.querySelectorAll('[data-testid="user-page"] .mapping-wrap')].filter((w) => w.scrollWidth > w.clientWidth + 1).length,
  );
  assert.equal(clipped, 0, "the mapping fits its card without a horizontal scroll");
  await page.locator(".mapping-wrap").scrollIntoViewIfNeeded();
  await shot("mapping");

  // the check sees a broken word when there is one (a name forced to break anywhere)
  await page.evaluate(() => {
    const probe = document.createElement("div");
    probe.id = "break-probe";
    probe.style.cssText = "width: 80px; word-break: break-all";
    probe.innerHTML = "<span data-words>annie.easley35@okta.example</span>";
    document.querySelector('[data-testid="user-page"]').append(probe);
  });
  assert.deepEqual((await brokenWords("#break-probe [data-words]")).broken, ["annie.easley35@okta.example"]);
  await page.evaluate(() => document.getElementById("break-probe").remove());

  // where the space holds it, the same mapping is a table, and breaks no word either
  await page.setViewportSize({ width: 1400, height: 900 });
  await waitFor("the mapping to become a table", async () => (await wrap.getAttribute("data-layout")) === "table", 5000);
  const wide = await brokenWords('[data-testid="user-page"] [data-words]');
  assert.ok(wide.words.includes(userName));
  assert.deepEqual(wide.broken, [], `words broken across lines in the table: ${wide.broken.join(", ")}`);
  await page.setViewportSize({ width: 1024, height: 576 });
  await waitFor("the mapping to be cards again", async () => (await wrap.getAttribute("data-layout")) === "cards", 5000);

  // the Users list cells never wrap either
  await page.goto(`${engine.admin}/#/users?idp=okta`);
  await page.getByTestId("user-row").first().waitFor();
  const list = await brokenWords('[data-testid="user-row"] td.users-name, [data-testid="user-row"] td.mono');
  // virtualised: the rows on screen (and the overscan) are the ones in the DOM to check
  const listRows = await page.getByTestId("user-row").count();
  assert.ok(listRows > 0 && list.words.length >= listRows, `list names and emails checked (${list.words.length} words, ${listRows} rows)`);
  assert.deepEqual(list.broken, []);
});

test("choosing another profile asks first, saying how many users, and Undo puts the previous back", async () => {
  const before = (await engine.api("/api/profiles")).active;
  await page.goto(`${engine.admin}/#/settings`);
  await page.getByTestId("profile-okta").click();
  await page.getByRole("button", { name: "Use this profile" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.waitFor();
  const expected = `${count(seeded.total)} users are re-evaluated`;
  await waitFor("the dialog to count users", async () => (await dialog.getByTestId("switch-count").textContent()).includes(expected));
  assert.equal((await engine.api("/api/profiles")).active, before, "nothing changes before confirming");
  await shot("confirm");

  await dialog.getByRole("button", { name: /^Use / }).click();
  await waitFor("okta to be in force", async () => (await engine.api("/api/profiles")).active === "okta");
  const undo = page.getByTestId("profile-undo");
  await undo.waitFor();
  assert.match(await undo.textContent(), new RegExp(`${count(seeded.total)} users re-evaluated`));
  await shot("undo");

  await undo.getByRole("button", { name: /Undo/ }).click();
  await waitFor(`${before} to be back in force`, async () => (await engine.api("/api/profiles")).active === before);
  await undo.waitFor({ state: "detached" });
  await page.getByTestId(`profile-${before}`).getByText("in force").waitFor();
});

test("the profile editor flags a bad path as it is typed and suggests paths users carry", async () => {
  await page.goto(`${engine.admin}/#/settings`);
  await page.getByTestId("profile-okta").click();
  await page.getByRole("button", { name: "Duplicate to edit" }).click();
  await page.getByTestId("dup-form").getByRole("button", { name: "Continue to edit" }).click();
  const editor = page.getByTestId("profile-editor");
  await editor.waitFor();

  const source = editor.getByLabel("role source 1", { exact: true });
  await source.fill("roles[primary eq true");
  const error = editor.getByTestId("path-error-role-0");
  await error.waitFor({ timeout: 5000 });
  assert.match(await error.textContent(), /never closed/, "the engine's own words for what is wrong");
  assert.equal(await source.getAttribute("aria-invalid"), "true");
  assert.equal(await editor.getByRole("button", { name: "Save profile" }).isDisabled(), true, "save is disabled while a path is bad");
  await error.scrollIntoViewIfNeeded();
  await shot("bad-path");

  await source.fill("roles[primary eq true].value");
  await error.waitFor({ state: "detached", timeout: 5000 });
  assert.equal(await editor.getByRole("button", { name: "Save profile" }).isDisabled(), false);

  const add = editor.getByLabel("new displayName source", { exact: true });
  await add.click();
  const suggestions = editor.getByTestId("suggestions-displayName");
  await suggestions.waitFor({ timeout: 5000 });
  const first = suggestions.getByRole("button").first();
  const label = (await first.textContent()).trim();
  assert.match(label, /\d[\d,]* users?$/, `a suggestion says how many users carry it: ${label}`);
  const suggested = (await first.locator("code").textContent()).trim();
  await suggestions.scrollIntoViewIfNeeded();
  await shot("suggestions");
  await first.click();
  assert.equal(await add.inputValue(), suggested);
  assert.ok(await editor.locator(`datalist option[value="${suggested.replace(/"/g, '\\"')}"]`).count(), "the datalist offers it too");
});

test("no console errors", () => {
  assert.deepEqual(problems, []);
});
