// The "system browser" of the desktop sign-in test: the app opens a URL with `xdg-open`, which
// the test points at this script. It does what a person's browser does with that URL — follows
// every redirect (the team server's sign-in, the identity provider, back to the server, then to
// the app's loopback address), keeping the cookies each server sets, and presses the button of
// the server's "Sign in the ScimLab app?" page (posting its form from that page's origin) — and
// logs each hop.
import { appendFileSync } from "node:fs";

const [, , start, log = "/dev/null"] = process.argv;
const jar = new Map(); // origin → Map(name → value)
const unescape = (v) =>
  v.replaceAll("&quot;", '"').replaceAll("&#39;", "'").replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&");

let request = { url: start, method: "GET", body: undefined };
for (let hop = 0; hop < 20 && request; hop++) {
  const { url, method, body } = request;
  const origin = new URL(url).origin;
  const cookies = jar.get(origin);
  const headers = cookies ? { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join("; ") } : {};
  if (method === "POST") {
    headers["content-type"] = "application/x-www-form-urlencoded";
    headers.origin = origin;
  }
  const resp = await fetch(url, { method, body, redirect: "manual", headers });
  appendFileSync(log, `${resp.status} ${method === "POST" ? "POST " : ""}${url}\n`);
  for (const set of resp.headers.getSetCookie()) {
    const [pair] = set.split(";");
    const [name, ...value] = pair.split("=");
    if (!jar.has(origin)) jar.set(origin, new Map());
    jar.get(origin).set(name.trim(), value.join("=").trim());
  }
  const next = resp.headers.get("location");
  if (resp.status >= 300 && resp.status < 400 && next) {
    request = { url: new URL(next, url).toString(), method: "GET", body: undefined };
    continue;
  }
  // A page with the server's confirmation form: the person presses its button.
  const page = resp.status === 200 ? await resp.text() : "";
  const form = /<form method="post" action="([^"]+)">(.*?)<\/form>/s.exec(page);
  if (!form) break;
  const fields = new URLSearchParams();
  for (const m of form[2].matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) fields.set(unescape(m[1]), unescape(m[2]));
  request = { url: new URL(unescape(form[1]), url).toString(), method: "POST", body: fields.toString() };
}
