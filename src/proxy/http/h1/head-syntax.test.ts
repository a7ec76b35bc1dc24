import { test } from "node:test";
import assert from "node:assert/strict";
import { findHeadEnd, fieldNameEnd, fieldValueEnd, tokenEnd, isRequestTarget, hasToken, parseContentLength, connectionOptions, closesConnection, CONN_CLOSE, CONN_KEEP_ALIVE, CONN_UPGRADE } from "./head-syntax.js";

/** What findHeadEnd must return: Buffer.indexOf's answer. */
function expected(buf: Buffer, from: number): number {
  const i = buf.indexOf("\r\n\r\n", from > 3 ? from - 3 : 0, "latin1");
  return i < 0 ? -1 : i + 4;
}

test("findHeadEnd finds the blank line of typical heads, and -1 when it has not arrived", () => {
  const head = "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello";
  assert.equal(findHeadEnd(Buffer.from(head, "latin1"), 0), head.indexOf("hello"));
  assert.equal(findHeadEnd(Buffer.from("GET / HTTP/1.1\r\nhost: a\r\n", "latin1"), 0), -1);
  assert.equal(findHeadEnd(Buffer.from("\r\n\r\n", "latin1"), 0), 4);
  assert.equal(findHeadEnd(Buffer.from("\r\n\r", "latin1"), 0), -1);
  assert.equal(findHeadEnd(Buffer.alloc(0), 0), -1);
  // LF-only line ends and lone CRs are not a head end.
  assert.equal(findHeadEnd(Buffer.from("a\n\nb\r\r\n\n\r\n", "latin1"), 0), -1);
});

test("findHeadEnd resumes a scan: a blank line split across reads is found from the previous length", () => {
  const whole = Buffer.from("GET / HTTP/1.1\r\nhost: a\r\n\r\n", "latin1");
  // The caller resumes from the length it had scanned, which never held the whole blank line.
  for (let cut = 0; cut < whole.length; cut++) assert.equal(findHeadEnd(whole, cut), whole.length, `resumed at ${cut}`);
});

test("findHeadEnd agrees with Buffer.indexOf on random CR/LF-heavy bytes, short and long", () => {
  let seed = 12345;
  const rand = (n: number): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
  const alphabet = [13, 10, 13, 10, 97, 32];
  for (let round = 0; round < 3000; round++) {
    const len = round % 10 === 0 ? 2000 + rand(200) : rand(40);
    const buf = Buffer.alloc(len);
    for (let i = 0; i < len; i++) buf[i] = alphabet[rand(alphabet.length)] as number;
    const from = len === 0 ? 0 : rand(len + 1);
    assert.equal(findHeadEnd(buf, from), expected(buf, from), `bytes ${JSON.stringify(buf.toString("latin1"))} from ${from}`);
    // Only the first `upTo` bytes count (a read into a larger buffer).
    const upTo = rand(len + 1);
    assert.equal(findHeadEnd(buf, Math.min(from, upTo), upTo), expected(buf.subarray(0, upTo), Math.min(from, upTo)), `first ${upTo} bytes`);
  }
});

/** `text` inside a larger buffer, so that the functions must keep to the range they are given. */
function within(text: string): [Buffer, number, number] {
  return [Buffer.from(`xx${text}yy`, "latin1"), 2, 2 + text.length];
}

const token = (t: string): Buffer => Buffer.from(t, "latin1");

test("hasToken finds a token case-insensitively between commas, spaces and tabs, never inside a longer one", () => {
  const has = (list: string, t: string): boolean => hasToken(...within(list), token(t));
  assert.equal(has("keep-alive", "keep-alive"), true);
  assert.equal(has("Keep-Alive, Upgrade", "upgrade"), true);
  assert.equal(has("foo,\tCLOSE ,bar", "close"), true);
  assert.equal(has("closed, enclose", "close"), false);
  assert.equal(has("gzip, chunked", "chunked"), true);
  assert.equal(has("chunkedx", "chunked"), false);
  assert.equal(has("chunke", "chunked"), false);
  assert.equal(has("", "close"), false);
  assert.equal(has(" , ,", "close"), false);
});

test("connectionOptions and closesConnection: close wins, HTTP/1.0 closes unless keep-alive is named", () => {
  const opts = (v: string): number => connectionOptions(...within(v));
  assert.equal(opts("Keep-Alive, Upgrade"), CONN_KEEP_ALIVE | CONN_UPGRADE);
  assert.equal(opts("close"), CONN_CLOSE);
  assert.equal(opts("te, x-foo"), 0);
  assert.equal(closesConnection(11, -1), false);
  assert.equal(closesConnection(10, -1), true);
  assert.equal(closesConnection(11, opts("close")), true);
  assert.equal(closesConnection(10, opts("keep-alive")), false);
  assert.equal(closesConnection(10, opts("keep-alive, close")), true);
  assert.equal(closesConnection(10, opts("upgrade")), true);
  assert.equal(closesConnection(11, opts("keep-alive")), false);
});

test("parseContentLength takes digits and lists of one repeated value, nothing else", () => {
  const cl = (v: string): number => parseContentLength(...within(v));
  assert.equal(cl("0"), 0);
  assert.equal(cl("1024"), 1024);
  assert.equal(cl("5, 5"), 5);
  assert.equal(cl("5,5"), 5);
  for (const bad of ["", " ", "5, 6", "-1", "+1", "0x10", "1e3", "1.0", "5,", ",5", "99999999999999999"]) assert.equal(cl(bad), -1, bad);
});

test("fieldNameEnd stops at the first non-token byte and tells a name with capitals by a complement", () => {
  const b = Buffer.from("x-custom-name: v\r\nContent-Type: t\r\nabc\r\nab cd:\r\nxy", "latin1");
  assert.equal(fieldNameEnd(b, 0, b.length), 13, "lower-case: its end");
  assert.equal(~fieldNameEnd(b, 18, b.length), 30, "capitals: the complement of its end");
  assert.ok(fieldNameEnd(b, 18, b.length) < 0);
  assert.equal(fieldNameEnd(b, 35, b.length), 38, "a line without a colon ends at its CR");
  assert.equal(fieldNameEnd(b, 40, b.length), 42, "a space ends a name");
  assert.equal(fieldNameEnd(b, b.length - 2, b.length), b.length, "a name running to the end");
  // Every byte in every position of the four-wide steps, against the one-byte definition.
  const tchar = (c: number): boolean => /[!#$%&'*+\-.^_`|~0-9A-Za-z]/.test(String.fromCharCode(c));
  for (let c = 0; c < 256; c++) {
    for (let at = 0; at < 6; at++) {
      const line = Buffer.from("abcdef:", "latin1");
      line[at] = c;
      const end = tchar(c) ? 6 : at;
      const capital = c >= 65 && c <= 90 && end > at;
      assert.equal(fieldNameEnd(line, 0, line.length), capital ? ~end : end, `byte ${c} at ${at}`);
      assert.equal(tokenEnd(line, 0, line.length), end, `token: byte ${c} at ${at}`);
    }
  }
});

test("fieldValueEnd accepts HTAB, SP, VCHAR and obs-text; a request target takes no SP or CTL", () => {
  assert.equal(fieldValueEnd(Buffer.from("a b\tc\xff\r\n", "latin1"), 0, 8), 6);
  assert.equal(fieldValueEnd(Buffer.from("ab\x00cd", "latin1"), 0, 5), 2);
  assert.equal(fieldValueEnd(Buffer.from("abc\x7f", "latin1"), 0, 4), 3);
  assert.equal(isRequestTarget(Buffer.from("/a?b=c%20", "latin1"), 0, 9), true);
  assert.equal(isRequestTarget(Buffer.from("/a b", "latin1"), 0, 4), false);
  assert.equal(isRequestTarget(Buffer.from("/a\x01", "latin1"), 0, 3), false);
});
