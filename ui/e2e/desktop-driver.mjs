// Launching the built desktop app under tauri-driver + WebKitWebDriver (shared by the desktop
// end-to-end tests and the Traffic benchmark). The app inherits tauri-driver's environment, so
// `env` sets SCIMLAB_DESKTOP_DATA_DIR / SCIMLAB_SCIM_ADDR for it.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { remote } from "webdriverio";
import { findCommand } from "./commands.mjs";
import { ARTIFACTS, DESKTOP, freePort, waitFor } from "./harness.mjs";

export const TAURI_DRIVER =
  process.env.TAURI_DRIVER ?? findCommand("tauri-driver") ?? path.join(os.homedir(), ".cargo", "bin", "tauri-driver");

/** What the desktop tests run, for `requireCommands` (tauri-driver starts WebKitWebDriver). */
export const DRIVER_COMMANDS = [["tauri-driver", TAURI_DRIVER], "WebKitWebDriver"];

let driver = null;

/** Start tauri-driver with `env` and open a WebDriver session on the app (one at a time);
 *  `application` is the binary to start (the built one by default). */
export async function launchDesktop(env, application = DESKTOP) {
  stopDriver();
  const port = await freePort();
  const nativePort = await freePort();
  // Its own process group: stopDriver ends tauri-driver, WebKitWebDriver and the app together,
  // so nothing is left holding this test file's pipes open.
  driver = spawn(TAURI_DRIVER, ["--port", String(port), "--native-port", String(nativePort)], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let log = "";
  driver.stdout.on("data", (d) => (log += d));
  driver.stderr.on("data", (d) => (log += d));
  await waitFor(`tauri-driver on ${port} (${log})`, () =>
    new Promise((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => (s.end(), resolve(true)));
      s.on("error", () => resolve(false));
    }),
  );
  return remote({
    hostname: "127.0.0.1",
    port,
    logLevel: "error",
    connectionRetryTimeout: 60000,
    capabilities: { "tauri:options": { application } },
  });
}

/** Stop tauri-driver, WebKitWebDriver and the app (the whole process group). */
export function stopDriver() {
  if (!driver) return;
  const group = driver.pid;
  driver.stdout?.destroy();
  driver.stderr?.destroy();
  try {
    process.kill(-group, "SIGTERM");
  } catch {
    driver.kill();
  }
  // Whatever ignored SIGTERM goes a moment later; unref'd, so it never holds the test open.
  setTimeout(() => {
    try {
      process.kill(-group, "SIGKILL");
    } catch {
      /* already gone */
    }
  }, 3000).unref();
  driver = null;
}

/** Wait until the element with `id` shows exactly `text` (it renders before its data loads). */
export async function waitForText(browser, id, text) {
  // textContent through a script: WebKitWebDriver's getText skips `user-select: all` text.
  const read = () =>
    browser.execute((sel) => document.querySelector(sel)?.textContent ?? "", `[data-testid="${id}"]`);
  let last = "";
  await browser
    .waitUntil(async () => (last = String(await read().catch(() => "")).trim()) === text, { timeout: 30000 })
    .catch(async () => {
      await browser.saveScreenshot(path.join(ARTIFACTS, `desktop-failed-${id}.png`)).catch(() => {});
      const body = await (await browser.$("body")).getText().catch((e) => String(e));
      assert.fail(`[data-testid=${id}] shows '${last}', expected '${text}'; the page says: ${body.slice(0, 400)}`);
    });
}
