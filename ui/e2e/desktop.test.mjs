// The real desktop window: the built app (`tauri build --debug --no-bundle`, which embeds
// ui/dist) under Xvfb, driven through tauri-driver and WebKitWebDriver. Asserts that the
// engine started in-process, the window title carries the SCIM port, the Connect screen shows
// the tenant URL, a SCIM request flips it to "first request seen", and that a taken SCIM port
// gives the "use another port" screen instead of a crash, and that Export HAR goes through the
// native save dialog (typed into with xdotool) to a file without secrets, and that the app
// becomes a client of a team server (`scimlab serve` with a personal token), remembers it across
// a relaunch and goes back to its own engine, and signs in to one through the system browser
// (the identity provider of oidc-provider.mjs; `xdg-open` is fake-browser.mjs, which follows the
// redirects as a browser would). Screenshots in ui/test-results/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { requireCommands, requireDisplay } from "./commands.mjs";
import { DRIVER_COMMANDS, launchDesktop, stopDriver, waitForText } from "./desktop-driver.mjs";
import { ARTIFACTS, DESKTOP, SCIMLAB, UI_DIR, freePort, startEngine, tempDir, waitFor } from "./harness.mjs";
import { CLIENT_ID, CLIENT_SECRET, startProvider } from "./oidc-provider.mjs";

const dirs = [];

before(async () => {
  requireDisplay();
  requireCommands(...DRIVER_COMMANDS, "xwininfo", "xdotool", "import");
  assert.ok(existsSync(DESKTOP), `${DESKTOP} is missing: run \`make app\` (tauri build --debug --no-bundle) first`);
});

after(async () => {
  stopDriver();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const launch = launchDesktop;
const byTestId = (browser, id) => browser.$(`[data-testid="${id}"]`);

/** Wait until the page title (the shell sets the window's to the same words) names `port`. */
async function waitForTitle(browser, port) {
  let last = "";
  await browser
    .waitUntil(async () => (last = await browser.getTitle()).includes(port), { timeout: 15000 })
    .catch(() => assert.fail(`title '${last}' should carry the scim port ${port}`));
}

test("the desktop window starts the engine and shows the tenant url", async () => {
  const dir = tempDir("scimlab-desktop-");
  dirs.push(dir);
  const scimPort = await freePort();
  const browser = await launch({ SCIMLAB_DESKTOP_DATA_DIR: dir, SCIMLAB_SCIM_ADDR: `127.0.0.1:${scimPort}` });
  try {
    const tenantUrl = `http://127.0.0.1:${scimPort}/scim/v2`;
    await waitForText(browser, "tenant-url", tenantUrl);
    await waitForTitle(browser, `:${scimPort}`);
    await (await byTestId(browser, "waiting-first-request")).waitForExist({ timeout: 10000 });
    // The engine really listens: an IdP's connection test reaches it and the screen flips.
    const key = execFileSync(SCIMLAB, ["token", "show", "--db", path.join(dir, "scimlab.db")]).toString().trim();
    const r = await fetch(`${tenantUrl}/Users?filter=userName%20eq%20%22probe%40example.com%22`, {
      headers: { Authorization: `Bearer ${key}`, "User-Agent": "Azure-AD-SCIM/1.0" },
    });
    assert.equal(r.status, 200);
    await (await byTestId(browser, "first-request-seen")).waitForExist({ timeout: 15000 });
    await new Promise((res) => setTimeout(res, 1000)); // the next frame, before the screenshot
    await browser.saveScreenshot(path.join(ARTIFACTS, "desktop-connect.png"));
  } finally {
    await browser.deleteSession().catch(() => {});
  }
});

test("export saves a redacted HAR through the native save dialog", async () => {
  const dir = tempDir("scimlab-desktop-");
  dirs.push(dir);
  const scimPort = await freePort();
  const browser = await launch({ SCIMLAB_DESKTOP_DATA_DIR: dir, SCIMLAB_SCIM_ADDR: `127.0.0.1:${scimPort}` });
  try {
    await waitForText(browser, "tenant-url", `http://127.0.0.1:${scimPort}/scim/v2`);
    // Some traffic to export, with the key in its Authorization header.
    const key = execFileSync(SCIMLAB, ["token", "show", "--db", path.join(dir, "scimlab.db")]).toString().trim();
    const tenantUrl = `http://127.0.0.1:${scimPort}/scim/v2`;
    const created = await fetch(`${tenantUrl}/Users`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/scim+json" },
      body: JSON.stringify({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "har@example.com", password: "Pa55-word!" }),
    });
    assert.equal(created.status, 201);
    await browser.execute(() => {
      window.location.hash = "#/traffic";
    });
    const exportButton = await browser.$("button=Export HAR");
    await exportButton.waitForClickable({ timeout: 15000 });
    await exportButton.click();
    // The GTK file chooser is a window of its own: find it by the title the shell gives it.
    const windows = () => execFileSync("xwininfo", ["-root", "-tree"]).toString();
    await waitFor("the native save dialog", () => windows().includes("Save the ScimLab export"), 15000);
    await new Promise((res) => setTimeout(res, 1000));
    execFileSync("import", ["-window", "root", path.join(ARTIFACTS, "desktop-save-dialog.png")]);
    // Type a path into the dialog's name field and press Enter. Without a window manager the
    // keyboard follows the pointer, so focus the dialog and put the pointer on it first; retry
    // while GTK is still realising the dialog.
    const target = path.join(dir, "export.har");
    const dialog = execFileSync("xdotool", ["search", "--sync", "--name", "Save the ScimLab export"]).toString().trim().split("\n")[0];
    for (let attempt = 0; attempt < 4 && !existsSync(target); attempt++) {
      execFileSync("xdotool", ["windowfocus", "--sync", dialog]);
      execFileSync("xdotool", ["mousemove", "--window", dialog, "200", "20"]);
      execFileSync("xdotool", ["key", "--clearmodifiers", "ctrl+a"]);
      execFileSync("xdotool", ["type", "--delay", "5", target]);
      execFileSync("xdotool", ["key", "Return"]);
      await waitFor("the saved export", () => existsSync(target), 5000).catch(() => {});
    }
    assert.ok(existsSync(target), `the dialog saved nothing at ${target}`);
    await waitFor("the export to be complete", () => {
      try {
        return JSON.parse(readFileSync(target, "utf8")).log.entries.length >= 1;
      } catch {
        return false;
      }
    }, 5000);
    const har = readFileSync(target, "utf8");
    assert.match(har, /har@example\.com/);
    assert.ok(!har.includes(key), "the scim key is not in the export");
    assert.ok(!har.includes("Pa55-word!"), "the password is not in the export");
    // The UI says where it went.
    await browser.waitUntil(
      async () => String(await browser.execute(() => document.body.textContent ?? "")).includes(target),
      { timeout: 10000, timeoutMsg: "a toast names the saved file" },
    );
  } finally {
    await browser.deleteSession().catch(() => {});
  }
});

test("a workspace exports through the native save dialog: the engine writes a .scimlab file without its key", async () => {
  const dir = tempDir("scimlab-desktop-");
  dirs.push(dir);
  const db = path.join(dir, "scimlab.db");
  // A workspace made with the CLI on the desktop's own database, before the app starts.
  execFileSync(SCIMLAB, ["workspace", "create", "Desk Customer", "--db", db]);
  const key = execFileSync(SCIMLAB, ["token", "show", "--workspace", "desk-customer", "--db", db]).toString().trim();
  const scimPort = await freePort();
  const browser = await launch({ SCIMLAB_DESKTOP_DATA_DIR: dir, SCIMLAB_SCIM_ADDR: `127.0.0.1:${scimPort}` });
  try {
    await waitForText(browser, "tenant-url", `http://127.0.0.1:${scimPort}/scim/v2`);
    const tenantUrl = `http://127.0.0.1:${scimPort}/w/desk-customer/scim/v2`;
    const created = await fetch(`${tenantUrl}/Users`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/scim+json" },
      body: JSON.stringify({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "grace.desk@example.com" }),
    });
    assert.equal(created.status, 201);
    // Work in that workspace (the switcher's remembered choice), then Export… from its menu.
    await browser.execute(() => {
      localStorage.setItem("scimlab.workspace", "desk-customer");
      window.location.reload();
    });
    await waitForText(browser, "workspace-current-name", "Desk Customer");
    await (await byTestId(browser, "workspace-switcher")).click();
    const exportItem = await byTestId(browser, "workspace-export");
    await exportItem.waitForClickable({ timeout: 10000 });
    await exportItem.click();
    const save = await byTestId(browser, "workspace-export-download");
    await save.waitForClickable({ timeout: 10000 });
    assert.equal((await save.getText()).trim(), "Save…", "the desktop saves through its own dialog");
    await save.click();
    const windows = () => execFileSync("xwininfo", ["-root", "-tree"]).toString();
    await waitFor("the native save dialog", () => windows().includes("Save the ScimLab export"), 15000);
    await new Promise((res) => setTimeout(res, 1000));
    const target = path.join(dir, "desk.scimlab");
    const dialog = execFileSync("xdotool", ["search", "--sync", "--name", "Save the ScimLab export"]).toString().trim().split("\n")[0];
    for (let attempt = 0; attempt < 4 && !existsSync(target); attempt++) {
      execFileSync("xdotool", ["windowfocus", "--sync", dialog]);
      execFileSync("xdotool", ["mousemove", "--window", dialog, "200", "20"]);
      execFileSync("xdotool", ["key", "--clearmodifiers", "ctrl+a"]);
      execFileSync("xdotool", ["type", "--delay", "5", target]);
      execFileSync("xdotool", ["key", "Return"]);
      await waitFor("the saved workspace", () => existsSync(target), 5000).catch(() => {});
    }
    assert.ok(existsSync(target), `the dialog saved nothing at ${target}`);
    const bytes = readFileSync(target);
    assert.equal(bytes.subarray(0, 15).toString("latin1"), "SQLite format 3", "a SQLite database");
    assert.ok(!bytes.includes(Buffer.from(key)), "the workspace's key is not in the file");
    assert.ok(!bytes.includes(Buffer.from("grace.desk@example.com")), "pseudonymised by default");
    await browser.waitUntil(
      async () => String(await browser.execute(() => document.body.textContent ?? "")).includes(target),
      { timeout: 10000, timeoutMsg: "a toast names the saved file" },
    );
    // And it imports as a new workspace on the command line.
    const out = execFileSync(SCIMLAB, ["workspace", "import", target, "--name", "Desk Copy", "--db", path.join(dir, "copy.db")]).toString();
    assert.match(out, /desk-copy/);
  } finally {
    await browser.deleteSession().catch(() => {});
  }
});

test("a taken scim port offers another one instead of crashing", async () => {
  const dir = tempDir("scimlab-desktop-");
  dirs.push(dir);
  const blocker = net.createServer();
  await new Promise((res) => blocker.listen(0, "127.0.0.1", res));
  const taken = blocker.address().port;
  const browser = await launch({ SCIMLAB_DESKTOP_DATA_DIR: dir, SCIMLAB_SCIM_ADDR: `127.0.0.1:${taken}` });
  try {
    const problem = await browser.$(".startup-problem");
    await problem.waitForExist({ timeout: 30000 });
    const text = await problem.getText();
    assert.match(text, /SCIM port is taken/);
    assert.match(text, new RegExp(`127\\.0\\.0\\.1:${taken}`));
    await new Promise((res) => setTimeout(res, 1000)); // the next frame, before the screenshot
    await browser.saveScreenshot(path.join(ARTIFACTS, "desktop-port-taken.png"));
    // Take the offer: the engine restarts there and the Connect screen shows the new URL.
    const offer = await browser.$(".startup-problem button[type=submit]");
    const label = await offer.getText();
    const suggested = /:(\d+)/.exec(label)?.[1];
    assert.ok(suggested && suggested !== String(taken), `the button offers another port: '${label}'`);
    await offer.click();
    await waitForText(browser, "tenant-url", `http://127.0.0.1:${suggested}/scim/v2`);
    await waitForTitle(browser, `:${suggested}`);
  } finally {
    await browser.deleteSession().catch(() => {});
    blocker.close();
  }
});

test("the app connects to a team server with a personal token, remembers it, and goes back", async () => {
  const dir = tempDir("scimlab-desktop-");
  dirs.push(dir);
  // The team server: a real `scimlab serve`, and a personal token an owner made for this person.
  const server = await startEngine();
  const personal = execFileSync(SCIMLAB, ["admin-user", "add", "qa", "--role", "viewer", "--db", server.db]).toString().trim();
  assert.match(personal, /^slp_/);
  const scimPort = await freePort();
  const env = { SCIMLAB_DESKTOP_DATA_DIR: dir, SCIMLAB_SCIM_ADDR: `127.0.0.1:${scimPort}` };
  let browser = await launch(env);
  try {
    await waitForText(browser, "tenant-url", `http://127.0.0.1:${scimPort}/scim/v2`);
    await browser.execute(() => {
      window.location.hash = "#/settings";
    });
    const url = await byTestId(browser, "team-server-url");
    await url.waitForExist({ timeout: 10000 });
    await url.setValue(server.admin);
    await (await byTestId(browser, "team-server-token")).setValue(personal);
    await (await byTestId(browser, "team-server-connect")).click();
    // The window now shows the team server's screens: its tenant URL, a banner, the title.
    await (await byTestId(browser, "team-server-banner")).waitForExist({ timeout: 20000 });
    await browser.execute(() => {
      window.location.hash = "#/connect";
    });
    await waitForText(browser, "tenant-url", server.tenantUrl);
    await browser.waitUntil(
      async () => String(await browser.execute(() => document.querySelector('[data-testid="session-badge"]')?.textContent ?? "")).includes("qa"),
      { timeout: 15000, timeoutMsg: "the header names the personal token's user" },
    );
    await browser.saveScreenshot(path.join(ARTIFACTS, "desktop-team-server.png"));
  } finally {
    await browser.deleteSession().catch(() => {});
  }
  // Remembered across a relaunch, in a file only its user reads.
  const remembered = path.join(dir, "team-server.json");
  assert.ok(existsSync(remembered), "the team server is remembered");
  browser = await launch(env);
  try {
    await waitForText(browser, "tenant-url", server.tenantUrl);
    await browser.execute(() => {
      window.location.hash = "#/settings";
    });
    const back = await byTestId(browser, "team-server-disconnect");
    await back.waitForClickable({ timeout: 10000 });
    await back.click();
    // Back on this computer's engine: the form to connect again, then its own tenant URL.
    await (await byTestId(browser, "team-server-url")).waitForExist({ timeout: 20000 });
    await browser.execute(() => {
      window.location.hash = "#/connect";
    });
    await waitForText(browser, "tenant-url", `http://127.0.0.1:${scimPort}/scim/v2`);
    assert.ok(!existsSync(remembered), "forgotten");
  } finally {
    await browser.deleteSession().catch(() => {});
    await server.stop();
  }
});

test("the app signs in to a team server through the system browser: PKCE and a loopback redirect", async () => {
  const dir = tempDir("scimlab-desktop-");
  dirs.push(dir);
  const provider = await startProvider({ email: "ada@example.com" });
  const server = await startEngine([
    "--oidc-issuer", provider.issuer,
    "--oidc-client-id", CLIENT_ID,
    "--oidc-client-secret", CLIENT_SECRET,
    "--allow-sign-in", "domain:example.com=operator",
  ]);
  // The system browser the app opens: `xdg-open` on its PATH is the fake browser.
  const bin = tempDir("scimlab-browser-");
  dirs.push(bin);
  const hops = path.join(bin, "hops.log");
  writeFileSync(path.join(bin, "xdg-open"), `#!/bin/sh\nexec node ${path.join(UI_DIR, "e2e", "fake-browser.mjs")} "$1" ${hops}\n`, { mode: 0o755 });
  const scimPort = await freePort();
  const browser = await launch({
    SCIMLAB_DESKTOP_DATA_DIR: dir,
    SCIMLAB_SCIM_ADDR: `127.0.0.1:${scimPort}`,
    PATH: `${bin}:${process.env.PATH}`,
  });
  try {
    await waitForText(browser, "tenant-url", `http://127.0.0.1:${scimPort}/scim/v2`);
    await browser.execute(() => {
      window.location.hash = "#/settings";
    });
    const url = await byTestId(browser, "team-server-url");
    await url.waitForExist({ timeout: 10000 });
    await url.setValue(server.admin);
    await (await byTestId(browser, "team-server-sign-in")).click();
    await (await byTestId(browser, "team-server-banner")).waitForExist({ timeout: 30000 }).catch(async (e) => {
      const section = await browser.execute(() => document.querySelector('[data-testid="team-server"]')?.textContent ?? "");
      const trail = existsSync(hops) ? readFileSync(hops, "utf8") : "(the browser was not opened)";
      assert.fail(`${e}\nthe section says: ${section}\nthe browser went: ${trail}`);
    });
    await browser.waitUntil(
      async () => String(await browser.execute(() => document.querySelector('[data-testid="session-badge"]')?.textContent ?? "")).includes("ada@example.com"),
      { timeout: 15000, timeoutMsg: "the header names the person signed in with the identity provider" },
    );
    // The browser went through the server's sign-in, the provider, and back to the app.
    const trail = readFileSync(hops, "utf8");
    assert.match(trail, /^303 .*\/auth\/app-sign-in\?/m);
    assert.match(trail, /^200 .*\/auth\/app-sign-in\?/m, "the server asked the person to confirm");
    assert.match(trail, /^303 POST .*\/auth\/app-sign-in$/m, "and the confirmation sent the code on");
    assert.match(trail, /^302 http:\/\/127\.0\.0\.1:\d+\/authorize\?/m);
    assert.match(trail, /^200 http:\/\/127\.0\.0\.1:\d+\/callback\?code=/m);
    assert.equal(provider.state.signIns, 1);
    // The app holds a session token of its own, remembered; never a password or the provider's token.
    const remembered = JSON.parse(readFileSync(path.join(dir, "team-server.json"), "utf8"));
    assert.equal(remembered.url, server.admin);
    assert.match(remembered.token, /^sls_/);
    await browser.saveScreenshot(path.join(ARTIFACTS, "desktop-team-sign-in.png"));
    // Sign out: the session ends on the server, and the app goes back to its own engine.
    await (await byTestId(browser, "sign-out")).click();
    await (await byTestId(browser, "team-server-url")).waitForExist({ timeout: 20000 });
    assert.ok(!existsSync(path.join(dir, "team-server.json")), "the team server is forgotten");
    const ended = await fetch(`${server.admin}/api/session`, { headers: { Authorization: `Bearer ${remembered.token}` } });
    assert.equal(ended.status, 401, "the app's session ended on the server");
  } finally {
    await browser.deleteSession().catch(() => {});
    await server.stop();
    await provider.stop();
  }
});
