// The README's screenshots, taken from the real app as a customer sees it on a screen share:
// a 1280×720 screen at 125 % zoom (a 1024×576 CSS viewport at device scale 1.25), after an Entra
// ID and an Okta simulation against a real engine (`scimlab serve --ui` on free loopback ports).
// Light, dark and presentation mode. Run by `make screenshots` (not a test: it writes assets/).
import path from "node:path";
import { chromium } from "playwright-core";
import { requireCommands } from "./commands.mjs";
import { REPO, simulate, startEngine } from "./harness.mjs";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const ASSETS = path.join(REPO, "assets");

requireCommands(["chromium", CHROMIUM]);
const engine = await startEngine();
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-gpu"] });
try {
  await simulate(engine, "entra", ["--users", "12", "--seed", "3", "--setup", "guide"]);
  await simulate(engine, "okta", ["--users", "8", "--seed", "5", "--setup", "guide"]);
  // A wrong base path with the good key: the failure Connect pins and Traffic explains.
  await fetch(`http://127.0.0.1:${engine.scimPort}/scim/Users?filter=userName%20eq%20%22x%22`, {
    headers: { Authorization: `Bearer ${engine.key}`, "User-Agent": "Okta SCIM Client 1.0.0" },
  });
  await new Promise((r) => setTimeout(r, 800));

  const shoot = async (scheme, presentation, shots) => {
    const context = await browser.newContext({ viewport: { width: 1024, height: 576 }, deviceScaleFactor: 1.25, colorScheme: scheme });
    const page = await context.newPage();
    await page.goto(engine.loginUrl);
    if (presentation) {
      await page.getByRole("switch", { name: "Presentation mode" }).click();
      await page.waitForFunction(() => document.documentElement.classList.contains("presentation"), null, { timeout: 5000 });
    }
    for (const [name, hash, ready, act] of shots) {
      await page.goto(`${engine.admin}/${hash}`);
      await page.locator(ready).first().waitFor({ timeout: 20000 });
      if (act) await act(page);
      await page.waitForTimeout(700);
      await page.screenshot({ path: path.join(ASSETS, `${name}.png`) });
      console.log(`assets/${name}.png`);
    }
    await context.close();
  };

  const openFailure = async (page) => {
    await page.locator('[data-testid="exchange-row"]', { hasText: "404" }).first().click();
    await page.getByTestId("exchange-detail").waitFor({ timeout: 10000 });
  };
  const openUser = async (page) => {
    await page.getByTestId("user-row").first().click();
    await page.getByTestId("user-page").waitFor({ timeout: 10000 });
  };
  await shoot("light", false, [
    ["traffic-entra", "#/traffic", '[data-testid="exchange-row"]', openFailure],
    ["checklist-okta", "#/checklist/okta", '[data-testid="check-connection.test"]'],
  ]);
  await shoot("dark", false, [["user-page", "#/users", '[data-testid="user-row"]', openUser]]);
  const showFailure = async (page) => {
    await page.getByTestId("last-failure").scrollIntoViewIfNeeded();
  };
  await shoot("light", true, [["connect-presentation", "#/connect", '[data-testid="last-failure"]', showFailure]]);
} finally {
  await browser.close();
  await engine.stop();
}
