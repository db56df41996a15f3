import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { buildCurl, originOf, shellQuote } from "./curl";

describe("shellQuote", () => {
  it("wraps in single quotes", () => {
    expect(shellQuote("a b $HOME")).toBe("'a b $HOME'");
  });
  it("escapes single quotes as '\\''", () => {
    expect(shellQuote("O'Brien")).toBe("'O'\\''Brien'");
    expect(shellQuote("''")).toBe("''\\'''\\'''");
  });
  it("round-trips through a real shell", () => {
    const nasty = `it's "quoted" $(rm -rf /) \`x\` \\ \n new line '' end`;
    const out = execFileSync("sh", ["-c", `printf %s ${shellQuote(nasty)}`]).toString();
    expect(out).toBe(nasty);
  });
});

describe("buildCurl", () => {
  const ex = {
    method: "PATCH",
    path: "/scim/v2/Users/42",
    query: "aadOptscim062020",
    requestHeaders: [
      ["Host", "abc.trycloudflare.com"],
      ["Authorization", "Bearer …abcd"],
      ["Content-Type", "application/scim+json"],
      ["Connection", "keep-alive"],
      ["Content-Length", "99"],
      ["X-Note", "it's"],
    ] as Array<[string, string]>,
    requestBody: `{"displayName":"O'Brien"}`,
  };
  const cmd = buildCurl(ex, originOf("http://127.0.0.1:8787/scim/v2"));

  it("uses the SCIM origin, path and query", () => {
    expect(cmd.startsWith("curl -X PATCH 'http://127.0.0.1:8787/scim/v2/Users/42?aadOptscim062020'")).toBe(true);
  });
  it("replaces the Authorization with the $SCIM_KEY placeholder", () => {
    expect(cmd).toContain(`-H "Authorization: Bearer $SCIM_KEY"`);
    expect(cmd).not.toContain("…abcd");
  });
  it("drops hop-by-hop and curl-managed headers", () => {
    expect(cmd).not.toMatch(/Host:|Connection:|Content-Length:/i);
    expect(cmd).toContain("-H 'Content-Type: application/scim+json'");
  });
  it("quotes header values and the body", () => {
    expect(cmd).toContain(`-H 'X-Note: it'\\''s'`);
    expect(cmd).toContain(`--data-raw '{"displayName":"O'\\''Brien"}'`);
  });
  it("a GET without body has no -X", () => {
    const get = buildCurl({ method: "GET", path: "/scim/v2/Users", query: "", requestHeaders: [], requestBody: null }, "http://h:1");
    expect(get).toBe("curl 'http://h:1/scim/v2/Users'");
  });
  it("warns when the body was truncated", () => {
    const t = buildCurl({ ...ex, requestTruncated: true }, "http://h:1");
    expect(t.split("\n")[0]).toMatch(/truncated/);
  });
});
