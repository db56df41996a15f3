//! The text/event-stream framing: events split across chunks, comments, CRLF line ends (also
//! split between two chunks), multi-line data.
import { parseSse } from "./sse";

/** Feed `chunks` one by one, as the network would, and collect every event. */
function feed(chunks: string[]) {
  let buffer = "";
  const out: { event: string; data: string }[] = [];
  for (const c of chunks) {
    const r = parseSse(buffer + c);
    out.push(...r.events);
    buffer = r.rest;
  }
  return { out, rest: buffer };
}

test("events, comments and keep-alives", () => {
  const { out, rest } = feed([": connected\n\nevent: reset\ndata: {\"type\":\"reset\"}\n\n: keep-alive\n\nevent: x\ndata: 1"]);
  expect(out).toEqual([{ event: "reset", data: '{"type":"reset"}' }]);
  expect(rest).toBe("event: x\ndata: 1");
});

test("an event split anywhere across chunks arrives once, whole", () => {
  const text = 'event: exchange.recorded\ndata: {"type":"exchange.recorded","exchanges":[]}\n\n';
  for (let cut = 1; cut < text.length; cut++) {
    const { out } = feed([text.slice(0, cut), text.slice(cut)]);
    expect(out).toEqual([{ event: "exchange.recorded", data: '{"type":"exchange.recorded","exchanges":[]}' }]);
  }
});

test("crlf line ends, also split between the cr and the lf", () => {
  const text = "event: a\r\ndata: one\r\ndata: two\r\n\r\n";
  for (let cut = 1; cut < text.length; cut++) {
    const { out } = feed([text.slice(0, cut), text.slice(cut)]);
    expect(out).toEqual([{ event: "a", data: "one\ntwo" }]);
  }
});

test("an event without a name is a message; one without data is dropped", () => {
  const { out } = feed(["data: x\n\nevent: empty\n\n"]);
  expect(out).toEqual([{ event: "message", data: "x" }]);
});
