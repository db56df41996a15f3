// The installable app: the .deb `make package` builds (debug profile, target/debug/bundle/deb/;
// SCIMLAB_DEB=path tests another one, e.g. a release bundle). Checks its control fields and
// contents, unpacks it into a temporary root with `dpkg-deb -x` (no root rights, nothing
// installed on the machine), starts the unpacked binary under Xvfb on a temp data directory
// and a free port, and sees it answer: its window (found with xwininfo, titled with the SCIM
// port, with the WM class the desktop entry names), its SCIM endpoint over HTTP, and the UI
// embedded in the binary (through tauri-driver). Every wait is bounded; the process and the
// temp directories are removed at the end.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { requireCommands, requireDisplay } from "./commands.mjs";
import { DRIVER_COMMANDS, launchDesktop, stopDriver, waitForText } from "./desktop-driver.mjs";
import { ARTIFACTS, REPO, TARGET, freePort, tempDir, waitFor } from "./harness.mjs";

const conf = JSON.parse(readFileSync(path.join(REPO, "src-tauri", "tauri.conf.json"), "utf8"));
const BIN = conf.mainBinaryName; // scimlab-desktop: /usr/bin/<BIN>, the icon name and the WM class
const PACKAGE = "scim-lab"; // Tauri names the package after productName, kebab-cased
const DEB_ARCH = { x64: "amd64", arm64: "arm64" }[process.arch] ?? process.arch;

/** The .deb to test: SCIMLAB_DEB, else the one `make package` left for this version. */
function findDeb() {
  if (process.env.SCIMLAB_DEB) return path.resolve(REPO, process.env.SCIMLAB_DEB);
  const dir = path.join(TARGET, "debug", "bundle", "deb");
  const name = `${conf.productName}_${conf.version}_${DEB_ARCH}.deb`;
  assert.ok(existsSync(path.join(dir, name)), `${path.join(dir, name)} is missing: run \`make package\` first`);
  return path.join(dir, name);
}

let deb;
let root; // where the .deb is unpacked
const dirs = [];
let app = null; // the running installed binary

const dpkgDeb = (...args) => execFileSync("dpkg-deb", args, { encoding: "utf8" });

before(() => {
  requireDisplay();
  requireCommands("dpkg-deb", "xwininfo", "import", ...DRIVER_COMMANDS);
  deb = findDeb();
  root = tempDir("scimlab-deb-root-");
  dirs.push(root);
  dpkgDeb("-x", deb, root);
});

after(async () => {
  stopDriver();
  await stopApp();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Signal the started binary's process group (it and the web view's processes). */
function signalApp(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

/** Stop the started binary: SIGTERM, then SIGKILL after 10 s. */
async function stopApp() {
  if (!app) return;
  const child = app;
  app = null;
  if (child.exitCode === null && child.signalCode === null) {
    signalApp(child, "SIGTERM");
    await waitFor("the installed app to exit", () => child.exitCode !== null || child.signalCode !== null, 10000).catch(() => {
      signalApp(child, "SIGKILL");
    });
  }
  signalApp(child, "SIGKILL"); // web view helpers left in its group
}

test("the .deb's control fields: name, version, architecture, what it needs", () => {
  const fields = Object.fromEntries(
    dpkgDeb("-f", deb, "Package", "Version", "Architecture", "Depends", "Section", "Description")
      .split("\n")
      .filter((l) => /^[A-Z][\w-]*: /.test(l))
      .map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 2)]),
  );
  assert.equal(fields.Package, PACKAGE);
  assert.equal(fields.Version, conf.version);
  assert.equal(fields.Architecture, DEB_ARCH);
  assert.equal(fields.Section, "devel");
  assert.equal(fields.Description, conf.bundle.shortDescription);
  const depends = fields.Depends.split(",").map((d) => d.trim());
  for (const need of ["libwebkit2gtk-4.1-0", "libgtk-3-0", "libayatana-appindicator3-1"]) {
    assert.ok(depends.includes(need), `Depends lists ${need}: ${fields.Depends}`);
  }
  assert.equal(new Set(depends).size, depends.length, `no package twice in Depends: ${fields.Depends}`);
});

test("the .deb ships the binary, a desktop entry and the icons it names", () => {
  // `dpkg-deb -c` lists like `tar tv`: mode, owner, size, date, time, path (regular files: mode `-…`).
  const files = dpkgDeb("-c", deb)
    .split("\n")
    .filter((l) => l.startsWith("-"))
    .map((l) => l.split(/\s+/).slice(5).join(" ").replace(/^\.\//, ""));
  const want = [`usr/bin/${BIN}`, `usr/share/applications/${conf.productName}.desktop`];
  for (const size of [32, 64, 128, 256, 512]) want.push(`usr/share/icons/hicolor/${size}x${size}/apps/${BIN}.png`);
  for (const f of want) assert.ok(files.includes(f), `${f} is in the package: ${files.join(", ")}`);

  const entry = Object.fromEntries(
    readFileSync(path.join(root, "usr/share/applications", `${conf.productName}.desktop`), "utf8")
      .split("\n")
      .filter((l) => l.includes("="))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
  assert.equal(entry.Type, "Application");
  assert.equal(entry.Name, "ScimLab");
  assert.equal(entry.Exec, BIN);
  assert.equal(entry.Icon, BIN);
  assert.equal(entry.StartupWMClass, BIN);
  assert.equal(entry.Comment, conf.bundle.shortDescription);
  assert.match(entry.Categories, /\bDevelopment\b/);
  // Each icon is a PNG of the size its directory says.
  for (const size of [32, 64, 128, 256, 512]) {
    const png = readFileSync(path.join(root, `usr/share/icons/hicolor/${size}x${size}/apps/${BIN}.png`));
    assert.equal(png.subarray(1, 4).toString(), "PNG");
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [size, size], `${size}x${size} icon's dimensions`);
  }
});

test("an .rpm was built beside it", () => {
  if (process.env.SCIMLAB_DEB) return; // testing another .deb: no rpm beside it to look for
  const dir = path.join(TARGET, "debug", "bundle", "rpm");
  const rpms = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".rpm") && f.includes(`-${conf.version}-`)) : [];
  assert.equal(rpms.length, 1, `one .rpm for ${conf.version} in ${dir}: ${rpms}`);
  const head = readFileSync(path.join(dir, rpms[0])).subarray(0, 4);
  assert.deepEqual([...head], [0xed, 0xab, 0xee, 0xdb], "an rpm file (lead magic)");
});

test("the unpacked binary starts under Xvfb: its window shows and its SCIM endpoint answers", async () => {
  const binary = path.join(root, "usr/bin", BIN);
  const data = tempDir("scimlab-deb-data-");
  dirs.push(data);
  const port = await freePort();
  let log = "";
  app = spawn(binary, [], {
    cwd: data, // nothing from the checkout: the UI must come from inside the binary
    env: { ...process.env, SCIMLAB_DESKTOP_DATA_DIR: data, SCIMLAB_SCIM_ADDR: `127.0.0.1:${port}`, RUST_LOG: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group, so stopApp ends the web view's processes too
  });
  app.stdout.on("data", (d) => (log += d));
  app.stderr.on("data", (d) => (log += d));
  try {
    // The window, titled by the shell once the engine listens: `0x… "ScimLab — SCIM endpoint on :PORT": ("scimlab-desktop" …)`.
    const line = await waitFor(
      `a ScimLab window naming port ${port} (app output: ${log.slice(0, 400)})`,
      () => {
        if (app.exitCode !== null || app.signalCode !== null) throw new Error(`the app exited (${app.exitCode ?? app.signalCode}): ${log.slice(0, 400)}`);
        return execFileSync("xwininfo", ["-root", "-tree"], { encoding: "utf8" })
          .split("\n")
          .find((l) => l.includes(`SCIM endpoint on :${port}"`));
      },
      30000,
      250,
    );
    assert.match(line, /"ScimLab /);
    assert.match(line, new RegExp(`\\("${BIN}" `), "the window's WM class is the desktop entry's StartupWMClass");
    const id = line.trim().split(/\s+/)[0];
    const info = execFileSync("xwininfo", ["-id", id], { encoding: "utf8" });
    assert.match(info, /Map State: IsViewable/);
    assert.match(info, new RegExp(`Width: ${conf.app.windows[0].width}\\b`));
    // The engine inside the installed binary answers SCIM: a 401 in SCIM's error format without a key.
    const r = await fetch(`http://127.0.0.1:${port}/scim/v2/ServiceProviderConfig`, { signal: AbortSignal.timeout(5000) });
    assert.equal(r.status, 401);
    assert.match(r.headers.get("content-type") ?? "", /application\/scim\+json/);
    const body = await r.json();
    assert.deepEqual(body.schemas, ["urn:ietf:params:scim:api:messages:2.0:Error"]);
    await new Promise((res) => setTimeout(res, 3000)); // the UI loaded and painted, for the screenshot
    execFileSync("import", ["-window", "root", path.join(ARTIFACTS, "package-window.png")], { timeout: 15000 });
  } finally {
    await stopApp();
  }
});

test("the unpacked binary carries the UI: the Connect screen shows its tenant url", async () => {
  const data = tempDir("scimlab-deb-data-");
  dirs.push(data);
  const port = await freePort();
  const browser = await launchDesktop(
    { SCIMLAB_DESKTOP_DATA_DIR: data, SCIMLAB_SCIM_ADDR: `127.0.0.1:${port}`, RUST_LOG: "warn" },
    path.join(root, "usr/bin", BIN),
  );
  try {
    await waitForText(browser, "tenant-url", `http://127.0.0.1:${port}/scim/v2`);
  } finally {
    await browser.deleteSession().catch(() => {});
    stopDriver();
  }
});
