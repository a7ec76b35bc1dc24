// Connection-level mistakes on a client connection (HTTP/2 protocol errors, a FIN before any
// request) end in a closed connection, never a crash or a socket left open, and the proxy keeps
// serving. The inputs are ones a network fuzzer found.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { proxyToFineUpstream, type FineProxy } from "./proxy-http-fine-upstream.js";

let proxy: FineProxy;

before(async () => {
  proxy = await proxyToFineUpstream({ codec_type: "AUTO" });
});

after(() => proxy.close());

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");
const DATA = 0, HEADERS = 1, RST_STREAM = 3, SETTINGS = 4, GOAWAY = 7;
const END_STREAM = 1, END_HEADERS = 4;

function frame(type: number, flags: number, stream: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const b = Buffer.alloc(9 + payload.length);
  b.writeUIntBE(payload.length, 0, 3);
  b[3] = type;
  b[4] = flags;
  b.writeUInt32BE(stream >>> 0, 5);
  payload.copy(b, 9);
  return b;
}

/** A header block of literal fields without indexing (RFC 7541 §6.2.2), no Huffman coding. */
function headerBlock(fields: [string, string][]): Buffer {
  return Buffer.concat(fields.map(([n, v]) => Buffer.concat([Buffer.from([0, n.length]), Buffer.from(n), Buffer.from([v.length]), Buffer.from(v)])));
}

const POST_HEADERS = headerBlock([[":method", "POST"], [":scheme", "http"], [":path", "/upload"], [":authority", "a"]]);

/**
 * Sends bytes (then FIN if `halfClose`); resolves with what came back once the proxy closes, or
 * `until` holds for it, or after 3 s.
 */
function send(bytes: Buffer, halfClose = false, until?: (got: Buffer) => boolean): Promise<{ got: Buffer; closedByProxy: boolean }> {
  return new Promise((resolve) => {
    const s = connect({ port: proxy.port, host: "127.0.0.1", allowHalfOpen: true });
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (closedByProxy: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      resolve({ got: Buffer.concat(chunks), closedByProxy });
    };
    const timer = setTimeout(() => finish(false), 3000);
    s.on("data", (d: Buffer) => { chunks.push(d); if (until?.(Buffer.concat(chunks))) finish(false); });
    s.on("end", () => finish(true));
    s.on("close", () => finish(true));
    s.on("error", () => finish(true));
    s.write(bytes);
    if (halfClose) s.end();
  });
}

/** Frame types the proxy sent, in order. */
function frameTypes(b: Buffer): number[] {
  const types: number[] = [];
  for (let o = 0; o + 9 <= b.length; o += 9 + b.readUIntBE(o, 3)) types.push(b[o + 3] as number);
  return types;
}

async function stillServes(): Promise<void> {
  const r = await send(Buffer.from("GET /ok HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n", "latin1"));
  assert.match(r.got.toString("latin1"), /^HTTP\/1\.1 200 [^]*fine$/);
}

test("a connection error in the read that opens a request closes the connection, and the proxy lives on", async () => {
  // The RST_STREAM names a stream never opened: a connection error (RFC 9113 §6.4) in the same
  // read as the request, so the session is gone by the time node:http2 announces the stream.
  const bytes = Buffer.concat([
    PREFACE,
    frame(SETTINGS, 0, 0, Buffer.from([0, 4, 0, 0, 0, 0])), // INITIAL_WINDOW_SIZE 0
    frame(HEADERS, END_HEADERS, 1, POST_HEADERS),
    frame(DATA, 0, 1, Buffer.from("hello")),
    frame(RST_STREAM, 0, 0x7fffff01, Buffer.from([0, 0, 0, 8])),
  ]);
  // In a proxy process an 'error' event nobody listens for ends the process; here it would surface
  // as an uncaught exception.
  const uncaught: string[] = [];
  const onUncaught = (e: unknown): void => { uncaught.push(String(e)); };
  process.on("uncaughtException", onUncaught);
  try {
    const r = await send(bytes);
    assert.equal(r.closedByProxy, true, "the proxy must close the connection");
    await stillServes();
  } finally {
    process.off("uncaughtException", onUncaught);
  }
  assert.deepEqual(uncaught, []);
});

test("a frame larger than the peer allows gets GOAWAY and the connection closes, though the client keeps it open", async () => {
  const tooLarge = Buffer.from([0x3b, 0x01, 0x00, DATA, 0, 0, 0, 0, 1]); // 3.8 MB DATA header
  const r = await send(Buffer.concat([PREFACE, frame(SETTINGS, 0, 0), tooLarge]));
  assert.equal(r.closedByProxy, true, "node:http2 stops reading after the GOAWAY; the proxy must close the socket itself");
  const types = frameTypes(r.got);
  assert.equal(types[types.length - 1], GOAWAY, `frames ${types.join(",")}`);
  await stillServes();
});

test("a client that half-closes an HTTP/2 connection gets it closed", async () => {
  const r = await send(Buffer.concat([PREFACE, frame(SETTINGS, 0, 0)]), true);
  assert.equal(r.closedByProxy, true);
  await stillServes();
});

test("a FIN before any byte, or inside the HTTP/2 preface, closes the connection", async () => {
  for (const bytes of [Buffer.alloc(0), PREFACE.subarray(0, 10)]) {
    const r = await send(bytes, true);
    assert.equal(r.closedByProxy, true, `after ${JSON.stringify(bytes.toString("latin1"))} and FIN`);
    assert.equal(r.got.length, 0);
  }
  await stillServes();
});

test("an HTTP/2 request still works end to end through the duplex under node:http2", async () => {
  const get = headerBlock([[":method", "GET"], [":scheme", "http"], [":path", "/x"], [":authority", "a"]]);
  const r = await send(Buffer.concat([PREFACE, frame(SETTINGS, 0, 0), frame(HEADERS, END_HEADERS | END_STREAM, 1, get)]), false, (got) => got.includes("fine"));
  assert.equal(r.closedByProxy, false);
  assert.ok(frameTypes(r.got).includes(HEADERS), `frames ${frameTypes(r.got).join(",")}`);
  assert.ok(r.got.includes("fine"));
});
