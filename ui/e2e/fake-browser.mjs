// The "system browser" of the desktop sign-in test: the app opens a URL with `xdg-open`, which
// the test points at this script. It does what a person's browser does with that URL — follows
// every redirect (the team server's sign-in, the identity provider, back to the server, then to
// the app's loopback address), keeping the cookies each server sets — and logs each hop.
import { appendFileSync } from "node:fs";

const [, , start, log = "/dev/null"] = process.argv;
const jar = new Map(); // origin → Map(name → value)
let url = start;
for (let hop = 0; hop < 20 && url; hop++) {
  const origin = new URL(url).origin;
  const cookies = jar.get(origin);
  const headers = cookies ? { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join("; ") } : {};
  const resp = await fetch(url, { redirect: "manual", headers });
  appendFileSync(log, `${resp.status} ${url}\n`);
  for (const set of resp.headers.getSetCookie()) {
    const [pair] = set.split(";");
    const [name, ...value] = pair.split("=");
    if (!jar.has(origin)) jar.set(origin, new Map());
    jar.get(origin).set(name.trim(), value.join("=").trim());
  }
  const next = resp.headers.get("location");
  url = resp.status >= 300 && resp.status < 400 && next ? new URL(next, url).toString() : null;
}
