// A small OpenID Connect provider for the desktop sign-in test, on 127.0.0.1: discovery, JWKS,
// an authorization endpoint that signs in at once whoever `email` says and redirects back with
// a code, and a token endpoint that checks the client's secret, the redirect URI and PKCE's
// verifier and answers an RS256 ID token signed with the repository's test-only key (the same
// provider as tests/src/oidc_provider.rs, for the window's end-to-end test). It plays the
// team's identity provider: nothing of ScimLab is faked.
import { createHash, createPrivateKey, createPublicKey, randomBytes, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { REPO } from "./harness.mjs";

export const CLIENT_ID = "scimlab-e2e";
export const CLIENT_SECRET = "e2e-client-secret-0123456789";

const b64 = (buf) => Buffer.from(buf).toString("base64url");

/** Start the provider; `email` is who signs in. Resolves to { issuer, stop(), signIns }. */
export async function startProvider({ email = "ada@example.com" } = {}) {
  const pem = readFileSync(path.join(REPO, "tests/fixtures/oidc/signing-key-1.test-only.pem"));
  const key = createPrivateKey(pem);
  const jwk = { ...createPublicKey(key).export({ format: "jwk" }), kid: "e2e-1", alg: "RS256", use: "sig" };
  const codes = new Map();
  const state = { signIns: 0 };
  let issuer = "";
  const json = (res, status, body) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, issuer);
    if (url.pathname === "/.well-known/openid-configuration") {
      return json(res, 200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ["code"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256"],
        token_endpoint_auth_methods_supported: ["client_secret_basic"],
        code_challenge_methods_supported: ["S256"],
      });
    }
    if (url.pathname === "/jwks") return json(res, 200, { keys: [jwk] });
    if (url.pathname === "/authorize") {
      const q = url.searchParams;
      if (q.get("client_id") !== CLIENT_ID || q.get("code_challenge_method") !== "S256" || !q.get("nonce")) {
        return json(res, 400, { error: "invalid_request" });
      }
      const code = b64(randomBytes(16));
      codes.set(code, { nonce: q.get("nonce"), challenge: q.get("code_challenge"), redirect: q.get("redirect_uri") });
      const back = new URL(q.get("redirect_uri"));
      back.searchParams.set("code", code);
      back.searchParams.set("state", q.get("state"));
      res.writeHead(302, { location: back.toString() });
      return res.end();
    }
    if (url.pathname === "/token" && req.method === "POST") {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        const form = new URLSearchParams(body);
        const basic = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString("base64")}`;
        if (req.headers.authorization !== basic) return json(res, 401, { error: "invalid_client" });
        const grant = codes.get(form.get("code"));
        codes.delete(form.get("code"));
        const verified = grant && b64(createHash("sha256").update(form.get("code_verifier") ?? "").digest()) === grant.challenge;
        if (!verified || form.get("redirect_uri") !== grant.redirect) return json(res, 400, { error: "invalid_grant" });
        const now = Math.floor(Date.now() / 1000);
        const header = b64(JSON.stringify({ alg: "RS256", typ: "JWT", kid: jwk.kid }));
        const claims = b64(
          JSON.stringify({ iss: issuer, sub: "e2e-ada", aud: CLIENT_ID, iat: now, exp: now + 3600, nonce: grant.nonce, email, email_verified: true }),
        );
        const signature = b64(sign("RSA-SHA256", Buffer.from(`${header}.${claims}`), key));
        state.signIns += 1;
        json(res, 200, { access_token: "opaque", token_type: "Bearer", expires_in: 3600, id_token: `${header}.${claims}.${signature}` });
      });
      return;
    }
    json(res, 404, { error: "not_found" });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${server.address().port}`;
  return {
    issuer,
    state,
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}
