// Malformed, oversized, slow and abruptly reset requests get the right status or a closed
// connection, and the proxy keeps serving afterwards.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { HttpRequestRecord } from "../src/proxy/http/request-record.js";
import { proxyToFineUpstream, type FineProxy } from "./proxy-http-fine-upstream.js";

const FIXTURES = join(process.cwd(), "test", "fixtures", "bad-http");
let proxy: FineProxy;
const records: HttpRequestRecord[] = [];

before(async () => {
  proxy = await proxyToFineUpstream({ request_headers_timeout: "0.3s", max_request_headers_kb: 8 }, (r) => records.push(r));
});

after(() => proxy.close());

/** Sends raw bytes (optionally half-closing) and collects everything until the proxy closes. */
function exchange(bytes: Buffer | string, opts: { halfClose?: boolean; thenDestroyAfterMs?: number } = {}): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = connect(proxy.port, "127.0.0.1");
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (closed: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      resolve({ text: Buffer.concat(chunks).toString("latin1"), closed });
    };
    const timer = setTimeout(() => finish(false), 3000);
    s.on("data", (d: Buffer) => chunks.push(d));
    s.on("close", () => finish(true));
    s.on("error", () => finish(true));
    s.write(bytes);
    if (opts.halfClose) s.end();
    if (opts.thenDestroyAfterMs !== undefined) setTimeout(() => s.destroy(), opts.thenDestroyAfterMs);
  });
}

async function stillServes(): Promise<void> {
  const r = await exchange("GET /ok HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n");
  assert.match(r.text, /^HTTP\/1\.1 200 /);
  assert.match(r.text, /fine$/);
}

for (const file of readdirSync(FIXTURES).filter((f) => f.endsWith(".http")).sort()) {
  test(`bad input ${file}`, async () => {
    const bytes = readFileSync(join(FIXTURES, file));
    const expect = file.split("-")[0] as string;
    const r = await exchange(bytes, { halfClose: expect === "close" });
    assert.equal(r.closed, true, `${file}: the proxy must close the connection`);
    if (expect !== "close") assert.match(r.text, new RegExp(`^HTTP/1\\.1 ${expect} `), `${file}: got ${JSON.stringify(r.text.slice(0, 80))}`);
    if (expect !== "close") assert.equal(r.text.split("HTTP/1.1 ").length - 1, 1, `${file}: exactly one response (no smuggled request served)`);
    await stillServes();
  });
}

test("oversized request heads get 431", async () => {
  const r = await exchange(`GET / HTTP/1.1\r\nhost: a\r\nx-big: ${"a".repeat(9000)}\r\n\r\n`);
  assert.match(r.text, /^HTTP\/1\.1 431 /);
  const unterminated = await exchange(`GET / HTTP/1.1\r\nhost: a\r\nx-big: ${"a".repeat(9000)}`);
  assert.match(unterminated.text, /^HTTP\/1\.1 431 /);
  await stillServes();
});

test("a head that trickles in too slowly gets 408 and a closed connection", async () => {
  const r = await exchange("GET / HTTP/1.1\r\nhost: a\r\n");
  assert.equal(r.closed, true);
  assert.match(r.text, /^HTTP\/1\.1 408 /);
  assert.equal(records.at(-1)?.flags.includes("DPE"), true);
});

test("resets mid-body and mid-head do not disturb the proxy", async () => {
  for (let i = 0; i < 5; i++) {
    await exchange("POST / HTTP/1.1\r\nhost: a\r\ncontent-length: 100000\r\n\r\nsome", { thenDestroyAfterMs: 20 });
    await exchange("POST / HTTP/1.1\r\nhost: a\r\ntransfer-encoding: chunked\r\n\r\nff\r\nabc", { thenDestroyAfterMs: 20 });
    await exchange("GET / HTTP/1.1\r\nho", { thenDestroyAfterMs: 5 });
  }
  assert.ok(records.some((r) => r.flags.includes("DC")));
  await stillServes();
});
