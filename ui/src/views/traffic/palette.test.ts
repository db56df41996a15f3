//! The Traffic status palette (views/traffic.css, on the theme of styles.css) is readable in both
//! themes: pill text 4.5:1 on its background, bars and accents 3:1 against the panel, and the
//! 4xx, 5xx and quirk colours told apart (red-orange, deep red, amber).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const read = (rel: string) => readFileSync(new URL(rel, import.meta.url), "utf8");
const css = read("../../styles.css") + "\n" + read("../traffic.css");

/** The custom properties of every `:root { … }` block, light ones and dark ones apart. */
function themes(text: string): { light: Map<string, string>; dark: Map<string, string> } {
  const light = new Map<string, string>();
  const darkOnly = new Map<string, string>();
  const darkBlocks: string[] = [];
  // the dark blocks: `@media (prefers-color-scheme: dark) { :root { … } }`
  const stripped = text.replace(/@media\s*\(prefers-color-scheme:\s*dark\)\s*\{\s*:root\s*\{([^}]*)\}\s*\}/g, (_, body: string) => {
    darkBlocks.push(body);
    return "";
  });
  const props = (body: string, into: Map<string, string>) => {
    for (const m of body.matchAll(/(--[\w-]+)\s*:\s*([^;]+);/g)) into.set(m[1], m[2].trim());
  };
  for (const m of stripped.matchAll(/:root\s*\{([^}]*)\}/g)) props(m[1], light);
  darkBlocks.forEach((b) => props(b, darkOnly));
  return { light, dark: new Map([...light, ...darkOnly]) };
}

function resolve(vars: Map<string, string>, name: string, depth = 0): string {
  const v = vars.get(name);
  if (v === undefined || depth > 8) throw new Error(`${name} is not defined`);
  const ref = /^var\((--[\w-]+)\)$/.exec(v);
  return ref ? resolve(vars, ref[1], depth + 1) : v;
}

function rgb(hex: string): [number, number, number] {
  const h = hex.replace("#", "");
  const full = h.length === 3 ? [...h].map((c) => c + c).join("") : h;
  if (!/^[0-9a-f]{6}$/i.test(full)) throw new Error(`not a hex colour: ${hex}`);
  return [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16)) as [number, number, number];
}

function luminance(hex: string): number {
  const [r, g, b] = rgb(hex).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a: string, b: string): number {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

function hue(hex: string): number {
  const [r, g, b] = rgb(hex).map((c) => c / 255);
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  if (max === min) return 0;
  const d = max - min;
  const h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return (h * 60 + 360) % 360;
}

const { light, dark } = themes(css);

describe.each([
  ["light", light],
  ["dark", dark],
])("the %s theme", (_name, vars) => {
  const c = (name: string) => resolve(vars, name);

  it.each([
    ["--tx-ok", "--tx-ok-bg"],
    ["--tx-4xx", "--tx-4xx-bg"],
    ["--tx-5xx", "--tx-5xx-bg"],
    ["--tx-quirk", "--tx-quirk-bg"],
    ["--tx-fault", "--tx-fault-bg"],
    ["--tx-why-head-text", "--tx-why-head"],
    ["--tx-why-title", "--tx-why-bg"],
    ["--tx-why-text", "--tx-why-bg"],
    ["--muted", "--tx-why-bg"],
    // presentation mode's solid pills
    ["--panel", "--tx-4xx"],
    ["--panel", "--tx-ok"],
    ["--panel", "--tx-quirk"],
    ["--panel", "--tx-fault"],
  ])("text %s on %s reads at 4.5:1", (fg, bg) => {
    expect(contrast(c(fg), c(bg))).toBeGreaterThanOrEqual(4.5);
  });

  it.each(["--tx-ok-line", "--tx-4xx-line", "--tx-5xx-line", "--tx-quirk-line", "--tx-fault-line"])("%s stands out from the panel at 3:1", (line) => {
    expect(contrast(c(line), c("--panel"))).toBeGreaterThanOrEqual(3);
  });

  it("tells 4xx (red-orange), 5xx (deep red) and quirks (amber) apart", () => {
    const h4 = hue(c("--tx-4xx-line"));
    const h5 = hue(c("--tx-5xx-line"));
    const hq = hue(c("--tx-quirk-line"));
    expect(h4).toBeGreaterThanOrEqual(10);
    expect(h4).toBeLessThanOrEqual(30);
    expect(h5 < 10 || h5 > 340).toBe(true);
    expect(hq).toBeGreaterThanOrEqual(35);
    expect(hq).toBeLessThanOrEqual(55);
    // the 5xx pill is solid, the 4xx one tinted: they differ in lightness as well as hue
    expect(Math.abs(luminance(c("--tx-5xx-bg")) - luminance(c("--tx-4xx-bg")))).toBeGreaterThan(0.05);
  });
});
