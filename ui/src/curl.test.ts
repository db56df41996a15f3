import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildCurl, originOf, shellQuote } from "./curl";

/** Run `cmd` in `sh` with `curl` replaced by a function that prints each argument it gets
 * (NUL-separated), and return those arguments: what the pasted command really runs. */
function argsOf(cmd: string): string[] {
  const script = `curl() { for a in "$@"; do printf '%s\\0' "$a"; done; }\n${cmd}\n`;
  const out = execFileSync("sh", ["-c", script], { env: { PATH: process.env.PATH, SCIM_KEY: "k3y" } }).toString();
  return out.split("\0").slice(0, -1);
}

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
    expect(cmd.startsWith("curl -X 'PATCH' 'http://127.0.0.1:8787/scim/v2/Users/42?aadOptscim062020'")).toBe(true);
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

describe("copy as curl with hostile captures (issue 11 §8)", () => {
  const dir = mkdtempSync(join(tmpdir(), "curl-test-"));
  const bombs = [
    `X$IFS'evil.example'|$SHELL|X`,
    `$(touch ${dir}/pwned-subst)`,
    "`touch " + dir + "/pwned-backtick`",
    `;touch ${dir}/pwned-semicolon;`,
    `|touch ${dir}/pwned-pipe|`,
    `'; touch ${dir}/pwned-quote; '`,
    `\\'$(touch ${dir}/pwned-escaped)`,
    `\n touch ${dir}/pwned-newline \n`,
    `\x1b[201~\ntouch ${dir}/pwned-paste\n`,
    `a\x03b\x15c\x04d\te\rf\x7fg\x9bh\u202ei`,
    "",
    "-o/tmp/x",
    "@/etc/passwd",
  ];

  it("every method, path, header value and body arrives as one inert argument", () => {
    for (const bomb of bombs) {
      const ex = {
        method: bomb || "PATCH",
        path: `/scim/v2/Users/${bomb}`,
        query: `filter=${bomb}`,
        requestHeaders: [
          ["Authorization", "Bearer …abcd"],
          ["X-Note", bomb],
          ["Content-Type", "application/scim+json"],
        ] as Array<[string, string]>,
        requestBody: `{"displayName":"${bomb}"}`,
      };
      const cmd = buildCurl(ex, "http://127.0.0.1:8787");
      expect(cmd).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/u);
      expect(argsOf(cmd)).toEqual([
        "-X",
        bomb || "PATCH",
        `http://127.0.0.1:8787/scim/v2/Users/${bomb}?filter=${bomb}`,
        "-H",
        "Authorization: Bearer k3y",
        "-H",
        `X-Note: ${bomb}`,
        "-H",
        "Content-Type: application/scim+json",
        "--data-raw",
        `{"displayName":"${bomb}"}`,
      ]);
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it("quotes the method even when it looks harmless", () => {
    const cmd = buildCurl({ method: "DELETE", path: "/scim/v2/Users/1", query: "", requestHeaders: [], requestBody: null }, "http://h:1");
    expect(cmd).toBe("curl -X 'DELETE' 'http://h:1/scim/v2/Users/1'");
    expect(argsOf(cmd)).toEqual(["-X", "DELETE", "http://h:1/scim/v2/Users/1"]);
  });

  it("keeps the method as captured (methods are case-sensitive)", () => {
    const cmd = buildCurl({ method: "patch", path: "/p", query: "", requestHeaders: [], requestBody: "{}" }, "http://h:1");
    expect(argsOf(cmd).slice(0, 2)).toEqual(["-X", "patch"]);
  });

  it("header names that are not http tokens are left out, with a note; valid hostile ones are quoted", () => {
    const cmd = buildCurl(
      {
        method: "GET",
        path: "/scim/v2/Users",
        query: "",
        requestHeaders: [
          ["@/etc/passwd", "x"],
          [`X-A;touch ${dir}/pwned-name`, "v"],
          ["X-$SHELL|`id`&~", "v'$(id)"],
        ],
        requestBody: null,
      },
      "http://h:1",
    );
    expect(cmd.split("\n")[0]).toBe("# 2 header(s) with a name that is not a valid http token left out");
    expect(argsOf(cmd)).toEqual(["http://h:1/scim/v2/Users", "-H", "X-$SHELL|`id`&~: v'$(id)"]);
    expect(existsSync(join(dir, "pwned-name"))).toBe(false);
  });

  it("a url that does not start with a scheme is passed with --url, never as an option", () => {
    const cmd = buildCurl({ method: "GET", path: "-o/tmp/pwned", query: "", requestHeaders: [], requestBody: null }, "");
    expect(argsOf(cmd)).toEqual(["--url", "-o/tmp/pwned"]);
  });

  it("control characters round-trip through printf, byte for byte", () => {
    for (const s of ["\x1b[201~", "a\x03\x04b", "tab\there", "cr\rlf\n", "\x7f\x85\x9b", "bidi\u202e\u2066x", "é\x01ü"]) {
      const quoted = shellQuote(s);
      expect(quoted).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e\u2066]/u);
      const out = execFileSync("sh", ["-c", `printf %s ${quoted}`]).toString();
      expect(out).toBe(s);
    }
  });
});
