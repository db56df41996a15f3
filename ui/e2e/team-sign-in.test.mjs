// Team sign-in in a real browser (Debian's chromium through playwright-core): `scimlab serve
// --ui` with an OpenID Connect provider (the local one of oidc-provider.mjs). A person opening
// the admin address gets the sign-in page, signs in through the provider and lands on the page
// they asked for with their name and role in the header; a person no rule lets in is told why;
// Sign out ends the session and shows the sign-in page again. Real cookies across the real
// redirects: the session cookie (SameSite=Lax) and the sign-in cookie scoped to the callback.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { chromium } from "playwright-core";
import { requireCommands } from "./commands.mjs";
import { ARTIFACTS, startEngine } from "./harness.mjs";
import { CLIENT_ID, CLIENT_SECRET, startProvider } from "./oidc-provider.mjs";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

let provider;
let outsiderProvider;
let engine;
let outsiderEngine;
let browser;

const serveWith = (p) =>
  startEngine([
    "--oidc-issuer", p.issuer,
    "--oidc-client-id", CLIENT_ID,
    "--oidc-client-secret", CLIENT_SECRET,
    "--allow-sign-in", "domain:example.com=operator",
  ]);

before(async () => {
  requireCommands(["chromium", CHROMIUM]);
  provider = await startProvider({ email: "ada@example.com" });
  outsiderProvider = await startProvider({ email: "eve@example.org" });
  engine = await serveWith(provider);
  outsiderEngine = await serveWith(outsiderProvider);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
  await engine?.stop();
  await outsiderEngine?.stop();
  await provider?.stop();
  await outsiderProvider?.stop();
});

test("a teammate signs in with the identity provider, lands on the app, and signs out", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: "light" });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(String(e)));
  // Not signed in: the sign-in page, which comes back to the app.
  const first = await page.goto(`${engine.admin}/`);
  assert.equal(first.status(), 401);
  await page.locator("#sign-in").click();
  await page.waitForURL(`${engine.admin}/`, { timeout: 15000 });
  await page.getByTestId("session-badge").waitFor({ timeout: 15000 });
  const badge = await page.getByTestId("session-badge").textContent();
  assert.match(badge, /ada@example\.com/);
  assert.match(badge, /operator/);
  assert.equal(provider.state.signIns, 1);
  // The session cookie is HttpOnly (no script reads it) and the sign-in cookie is gone.
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === "scimlab_session");
  assert.ok(session?.httpOnly, "an HttpOnly session cookie");
  assert.equal(session.sameSite, "Lax");
  assert.ok(!cookies.some((c) => c.name === "scimlab_sign_in"), "the sign-in cookie was cleared");
  assert.equal(await page.evaluate(() => document.cookie.includes("scimlab_session")), false);
  await page.screenshot({ path: path.join(ARTIFACTS, "team-signed-in.png") });
  // An operator may not rotate the key: the API says which role it needs.
  const rotate = await page.evaluate(async () => (await fetch("/api/endpoint/rotate", { method: "POST" })).status);
  assert.equal(rotate, 403);
  // Sign out: the sign-in page again, and the old cookie opens nothing.
  await page.getByTestId("sign-out").click();
  await page.locator("#sign-in").waitFor({ timeout: 15000 });
  const after = await page.evaluate(async () => (await fetch("/api/session")).status);
  assert.equal(after, 401);
  assert.deepEqual(problems, []);
  await context.close();
});

test("someone no rule lets in is told why, with what their token carried", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${outsiderEngine.admin}/`);
  await page.locator("#sign-in").click();
  await page.getByText("may not sign in to this ScimLab").waitFor({ timeout: 15000 });
  const text = await page.textContent("body");
  assert.match(text, /eve@example\.org may not sign in to this ScimLab: no --allow-sign-in rule matches them \(email eve@example\.org/);
  assert.ok(!(await context.cookies()).some((c) => c.name === "scimlab_session"), "no session");
  await page.screenshot({ path: path.join(ARTIFACTS, "team-refused.png") });
  await context.close();
});
