// Benchmark of the Traffic and Users screens (run: `make bench-ui`; results →
// docs/benchmarks-ui.md):
//   - at size (SIZE_DB: the database `scripts/bench-size.sh --seed-only` seeds, 1 000 000
//     exchanges and 100 000 users): chromium on a release `scimlab serve --ui` started on a copy
//     of it. Open Traffic (first rows on screen), load SIZE_LOAD exchanges by scrolling (pages of
//     500; default 100 000 — all 1 000 000 would be 2 000 pages), frame times scrolling through
//     them and the rows in the DOM, frame times while 2 000 new exchanges stream in; then open
//     Users (first rows), load 2 000 users by scrolling (pages of 200), frame times scrolling
//     through them. Skipped, and the document says so, without SIZE_DB.
//   - at N exchanges (default 100 000) seeded over loopback (concurrent SCIM lookups, as an IdP's
//     match phase sends), in two hosts: chromium on a debug `scimlab serve --ui`, and the built
//     desktop app (WebKitGTK) under tauri-driver, engine in-process. Open Traffic, scroll until
//     every exchange is loaded, frame times scrolling through all of them, then while 2 000 new
//     exchanges stream in. The desktop part needs a display (xvfb-run), `make app` and
//     tauri-driver; without them it is skipped and the table says why.
// Figures are recorded, not asserted.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { DESKTOP, REPO, SCIMLAB, TARGET, freePort, percentile, seedLookups, startEngine, tempDir, waitFor } from "./harness.mjs";
import { requireCommands } from "./commands.mjs";
import { TAURI_DRIVER, launchDesktop, stopDriver } from "./desktop-driver.mjs";
import { scrollThrough, scrollToEnd, scrollUsersToEnd, startFrames, stopFrames } from "./measure.mjs";

const N = Number(process.env.N ?? 100000);
const SIZE_DB = process.env.SIZE_DB || null;
const SIZE_LOAD = Number(process.env.SIZE_LOAD ?? 100000);
const USERS_LOAD = 2000;
const RELEASE = path.join(TARGET, "release", "scimlab");
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const fmt = (x) => (Number.isFinite(x) ? x.toFixed(1) : "n/a");

/** The measurements, given a way to run a function in the page and to wait. */
async function measure({ evaluate, pause, settle, openTraffic, tenantUrl, key }) {
  const seedSeconds = await seedLookups(tenantUrl, key, N, "seed");
  await settle();
  const t0 = Date.now();
  await openTraffic();
  const firstRowsMs = Date.now() - t0;
  const tLoad = Date.now();
  let loaded = 0;
  for (let i = 0; i < 2000 && loaded < N; i++) {
    loaded = await evaluate(scrollToEnd);
    if (loaded < N) await pause(60);
  }
  const loadAllSeconds = (Date.now() - tLoad) / 1000;
  const scroll = await evaluate(scrollThrough, 4000);
  await evaluate(startFrames);
  const liveSeconds = await seedLookups(tenantUrl, key, 2000, "live");
  await pause(1500);
  const live = await evaluate(stopFrames);
  return { seedSeconds, firstRowsMs, loaded, loadAllSeconds, scroll, live, liveSeconds };
}

async function chromiumRun() {
  const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
  requireCommands(["chromium", executablePath]);
  const engine = await startEngine();
  const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
  try {
    const page = await (await browser.newContext({ viewport: { width: 1360, height: 860 } })).newPage();
    await page.goto(engine.loginUrl);
    const result = await measure({
      evaluate: (fn, arg) => page.evaluate(fn, arg),
      pause: (ms) => page.waitForTimeout(ms),
      tenantUrl: engine.tenantUrl,
      key: engine.key,
      // The capture writer is batched: wait until every exchange is stored.
      settle: () => waitFor("every exchange stored", async () => (await engine.api("/api/health")).exchanges >= N, 120000),
      openTraffic: async () => {
        await page.goto(`${engine.admin}/#/traffic`);
        await page.getByTestId("exchange-row").first().waitFor({ timeout: 30000 });
      },
    });
    return { ...result, host: `chromium ${browser.version()} headless` };
  } finally {
    await browser.close();
    await engine.stop();
  }
}

/** Chromium on a copy of the seeded database (release engine): Traffic, then Users. */
async function sizeRun() {
  if (!SIZE_DB) return { skipped: "SIZE_DB is not set (make bench-ui sets it to the database scripts/bench-size.sh seeds)" };
  const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
  requireCommands(["chromium", executablePath]);
  const scimlab = existsSync(RELEASE) ? RELEASE : SCIMLAB;
  const t0 = Date.now();
  const engine = await startEngine(["--retention", "10000000"], { from: SIZE_DB, scimlab, timeoutMs: 120000 });
  const copyAndStartSeconds = (Date.now() - t0) / 1000;
  const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
  try {
    const health = await engine.api("/api/health");
    const users = (await engine.api("/api/users?startIndex=1&count=1")).totalResults;
    const page = await (await browser.newContext({ viewport: { width: 1360, height: 860 } })).newPage();
    await page.goto(engine.loginUrl);
    await page.waitForTimeout(1500);
    const open = async (route, row) => {
      await page.goto(`${engine.admin}/#/connect`);
      await page.waitForTimeout(1000);
      const started = Date.now();
      await page.goto(`${engine.admin}/#/${route}`);
      await page.getByTestId(row).first().waitFor({ timeout: 60000 });
      return Date.now() - started;
    };
    // Traffic: opened three times (the first is the one after start; median reported).
    const trafficOpens = [];
    for (let i = 0; i < 3; i++) trafficOpens.push(await open("traffic", "exchange-row"));
    const tLoad = Date.now();
    let loaded = 0;
    for (let i = 0; i < 2000 && loaded < SIZE_LOAD; i++) {
      loaded = await page.evaluate(scrollToEnd);
      if (loaded < SIZE_LOAD) await page.waitForTimeout(60);
    }
    const loadSeconds = (Date.now() - tLoad) / 1000;
    const trafficScroll = await page.evaluate(scrollThrough, 4000);
    await page.evaluate(startFrames);
    const liveSeconds = await seedLookups(engine.tenantUrl, engine.key, 2000, "live");
    await page.waitForTimeout(1500);
    const live = await page.evaluate(stopFrames);
    // Users.
    const usersOpens = [];
    for (let i = 0; i < 3; i++) usersOpens.push(await open("users", "user-row"));
    const tUsers = Date.now();
    let usersLoaded = 0;
    for (let i = 0; i < 200 && usersLoaded < USERS_LOAD; i++) {
      usersLoaded = await page.evaluate(scrollUsersToEnd);
      if (usersLoaded < USERS_LOAD) await page.waitForTimeout(60);
    }
    const usersLoadSeconds = (Date.now() - tUsers) / 1000;
    const usersScroll = await page.evaluate(scrollThrough, { step: 400, scroller: ".users-table-wrap", row: '[data-testid="user-row"]' });
    return {
      host: `chromium ${browser.version()} headless, release engine`,
      exchanges: health.exchanges,
      users,
      dbBytes: statSync(SIZE_DB).size,
      copyAndStartSeconds,
      trafficOpens,
      loaded,
      loadSeconds,
      trafficScroll,
      live,
      liveSeconds,
      usersOpens,
      usersLoaded,
      usersLoadSeconds,
      usersScroll,
    };
  } finally {
    await browser.close();
    await engine.stop();
  }
}

async function desktopRun() {
  if (!process.env.DISPLAY) return { skipped: "no display (run under xvfb-run)" };
  if (!existsSync(DESKTOP)) return { skipped: "the app is not built (make app)" };
  if (!existsSync(TAURI_DRIVER)) return { skipped: "tauri-driver is not installed" };
  const dir = tempDir("scimlab-bench-desktop-");
  const scimPort = await freePort();
  const tenantUrl = `http://127.0.0.1:${scimPort}/scim/v2`;
  const browser = await launchDesktop({ SCIMLAB_DESKTOP_DATA_DIR: dir, SCIMLAB_SCIM_ADDR: `127.0.0.1:${scimPort}`, RUST_LOG: "warn" });
  try {
    await waitFor("the engine", async () => (await fetch(`${tenantUrl}/ServiceProviderConfig`)).status === 401, 30000);
    const key = execFileSync(SCIMLAB, ["token", "show", "--db", path.join(dir, "scimlab.db")]).toString().trim();
    const result = await measure({
      // The capture writer is batched; the admin token is the window's, so wait a moment
      // before opening Traffic (the wait happens in seed, outside the timed part).
      settle: () => browser.pause(3000),
      evaluate: (fn, arg) => browser.execute(fn, arg),
      pause: (ms) => browser.pause(ms),
      tenantUrl,
      key,
      openTraffic: async () => {
        await browser.execute(() => {
          window.location.hash = "#/traffic";
        });
        await browser.$('[data-testid="exchange-row"]').waitForExist({ timeout: 30000 });
      },
    });
    return { ...result, host: "desktop window (WebKitGTK, Xvfb)" };
  } finally {
    await browser.deleteSession().catch(() => {});
    stopDriver();
    rmSync(dir, { recursive: true, force: true });
  }
}

const size = await sizeRun();
const commit = (() => {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: REPO }).toString().trim();
  } catch {
    return "unknown";
  }
})();
// BENCH_UI_SIZE_ONLY=1: only the run at size; the section at N is kept from the last document.
const sizeOnly = Boolean(process.env.BENCH_UI_SIZE_ONLY);
const runs = sizeOnly ? [] : [await chromiumRun(), await desktopRun()];
const OUT = path.join(REPO, "docs", "benchmarks-ui.md");
const previous = (() => {
  try {
    const text = readFileSync(OUT, "utf8");
    const from = text.search(/^## Traffic at /m);
    if (from >= 0) return text.slice(from).trim();
    // The document before the run at size: its table and what follows.
    const table = text.search(/^\| measure \|/m);
    const when = text.match(/^Last run: (.*)$/m)?.[1] ?? "an earlier run";
    return table >= 0 ? `## Traffic at 100,000 exchanges seeded over loopback (chromium and the desktop window)\n\nFrom ${when} (BENCH_UI_SIZE_ONLY kept it): a debug engine.\n\n${text.slice(table).trim()}` : "";
  } catch {
    return "";
  }
})();
const cell = (r, f) => (r.skipped ? "—" : f(r));
const frames = (xs) => `${fmt(percentile(xs, 50))} / ${fmt(percentile(xs, 95))} / ${fmt(Math.max(...xs))} ms (${xs.length} frames)`;
const median = (xs) => percentile(xs, 50);
const sizeRows = size.skipped
  ? `Not measured: ${size.skipped}.`
  : `Chromium on a copy of the database \`make bench-size\` seeds (${size.exchanges.toLocaleString("en")} exchanges,
${size.users.toLocaleString("en")} users, ${(size.dbBytes / 2 ** 30).toFixed(2)} GiB; see docs/benchmarks.md), a release \`scimlab serve --ui\`
(copied and listening in ${fmt(size.copyAndStartSeconds)} s). Each screen is opened three times from Connect (in-app
navigation, the engine already running); "first rows" is from the navigation to the first row on screen.

| measure | Traffic | Users |
|---|---|---|
| first rows on screen after opening, median (all three) | ${median(size.trafficOpens)} ms (${size.trafficOpens.join(", ")}) | ${median(size.usersOpens)} ms (${size.usersOpens.join(", ")}) |
| rows loaded by scrolling (Traffic: pages of 500; Users: pages of 200) | ${size.loaded.toLocaleString("en")} in ${fmt(size.loadSeconds)} s | ${size.usersLoaded.toLocaleString("en")} in ${fmt(size.usersLoadSeconds)} s |
| rows in the DOM while scrolling through them (max) | ${size.trafficScroll.domRowsMax} | ${size.usersScroll.domRowsMax} |
| frame time scrolling (Traffic 4 000 px/frame, Users 400), p50 / p95 / max | ${frames(size.trafficScroll.frames)} | ${frames(size.usersScroll.frames)} |
| frames over 50 ms while scrolling | ${size.trafficScroll.frames.filter((f) => f > 50).length} | ${size.usersScroll.frames.filter((f) => f > 50).length} |
| JS heap after scrolling | ${size.trafficScroll.heap === null ? "not exposed" : `${fmt(size.trafficScroll.heap)} MiB`} | ${size.usersScroll.heap === null ? "not exposed" : `${fmt(size.usersScroll.heap)} MiB`} |
| frame time while 2 000 exchanges stream in, p50 / p95 / max | ${frames(size.live)} (${fmt(2000 / size.liveSeconds)}/s) | — |`;
const rows = [
  ["exchanges seeded over loopback (16 clients)", (r) => `${N.toLocaleString("en")} at ${fmt(N / r.seedSeconds)}/s`],
  ["first rows on screen after opening Traffic", (r) => `${r.firstRowsMs} ms`],
  ["all exchanges loaded by scrolling (pages of 500)", (r) => `${r.loaded.toLocaleString("en")} in ${fmt(r.loadAllSeconds)} s`],
  ["rows in the DOM while scrolling through all (max)", (r) => `${r.scroll.domRowsMax}`],
  ["frame time scrolling 4 000 px/frame, p50 / p95 / max", (r) => `${fmt(percentile(r.scroll.frames, 50))} / ${fmt(percentile(r.scroll.frames, 95))} / ${fmt(Math.max(...r.scroll.frames))} ms (${r.scroll.frames.length} frames)`],
  ["frames over 50 ms while scrolling", (r) => `${r.scroll.frames.filter((f) => f > 50).length}`],
  ["JS heap with every exchange loaded", (r) => (r.scroll.heap === null ? "not exposed" : `${fmt(r.scroll.heap)} MiB`)],
  ["frame time while 2 000 exchanges stream in, p50 / p95 / max", (r) => `${fmt(percentile(r.live, 50))} / ${fmt(percentile(r.live, 95))} / ${fmt(Math.max(...r.live))} ms (${fmt(2000 / r.liveSeconds)}/s)`],
];
const head = runs.map((r, i) => r.host ?? (i === 0 ? "chromium" : "desktop window"));
const atN = sizeOnly
  ? previous
  : `## Traffic at ${N.toLocaleString("en")} exchanges seeded over loopback (chromium and the desktop window)

A debug engine; the desktop window stays at this size (seeding it over loopback takes about a
minute, and WebKitGTK paints in software under Xvfb).

| measure | ${head.join(" | ")} |
|---|${head.map(() => "---|").join("")}
${rows.map(([name, f]) => `| ${name} | ${runs.map((r) => cell(r, f)).join(" | ")} |`).join("\n")}
${runs.filter((r) => r.skipped).map((r) => `\nDesktop window not measured: ${r.skipped}.`).join("")}

Frame times are \`requestAnimationFrame\` intervals (16.7 ms = 60 fps); both hosts paint in
software here (no GPU; Xvfb for the desktop window). What the figures show: the table's cost
does not grow with the number of exchanges — the DOM holds only the visible rows — and
scrolling through all of them keeps the frame rate.`;
const md = `# UI benchmark: Traffic and Users at size

Run with \`make bench-ui\` (\`ui/e2e/traffic.bench.mjs\`, under \`xvfb-run\`): a real engine on loopback,
viewport 1360×860 in chromium (the desktop window is 1280×820). Machine: ${os.cpus().length} cores
(${os.cpus()[0]?.model ?? "unknown"}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, no GPU; load average ${os.loadavg().map((x) => x.toFixed(2)).join(" / ")} (1/5/15 min) at
the end (the machine is shared with other builds). Commit ${commit}. Last run: ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC.

## At size: 1 000 000 exchanges and 100 000 users (chromium)

${sizeRows}

${atN}
`;
writeFileSync(OUT, md);
console.log(md);
