// HTTP/1.1 exchange, response relay: the upstream's head (retried, or rewritten only when
// something must change) and its body bytes, passed on as they are, head and first body bytes in
// one write; a slow client pauses the upstream (its socket's write watermark is the listener's
// buffer limit).
import { Buffer } from "node:buffer"; // the global `Buffer` is a getter: each use in hot code is a call
import type { Socket } from "node:net";
import type { Cluster } from "../contracts.js";
import type { CompiledRoute, ForwardAction } from "../router/route.js";
import { applyHeaderMutations } from "../router/header-mutation.js";
import { retriableResponse } from "../router/retry-policy.js";
import { downstreamResponseHead, splicedResponse, spliceInPlace } from "./h1/forward-head.js";
import { envoyResponseLines, setsServer, splicedLines, upstreamServiceTimeMs } from "./envoy-response-headers.js";
import { monotonicNow, wallClockAt } from "./request-clock.js";
import { httpDate, httpDateLine } from "./http-date.js";
import { pendingWriteBytes, writeDirect } from "./h1/direct-write.js";
import type { ResponseHead } from "./h1/response-head.js";
import type { H1UpstreamConnection } from "./upstream/h1-upstream-connection.js";
import { canRetry, dropUpstream, scheduleRetry } from "./exchange-attempt.js";
import type { HttpExchange } from "./exchange.js";

/** Up to this many body bytes are copied behind a spliced head, for one write. */
const JOIN_BODY_BYTES = 16 * 1024;

/**
 * Spliced responses are built here (no allocation per response): the write almost always hands
 * every byte to the kernel at once; when some wait in a queue instead, that queue keeps this
 * buffer and the next response gets a fresh one.
 */
let scratch = Buffer.allocUnsafeSlow(JOIN_BODY_BYTES + 8 * 1024);

/**
 * One write for a response head and its first body bytes: a single Buffer when they are adjacent
 * in the read, else both copied into the scratch buffer (a rewritten head is a string: an
 * upstream's `connection: keep-alive` is enough for that), else corked stream writes.
 */
function writeHeadAndBody(socket: Socket, head: Buffer | string, body: Buffer): boolean {
  if (typeof head !== "string" && head.buffer === body.buffer && head.byteOffset + head.length === body.byteOffset) {
    return writeDirect(socket, Buffer.from(head.buffer, head.byteOffset, head.length + body.length));
  }
  const size = head.length + body.length;
  if (size <= scratch.length) {
    if (typeof head === "string") scratch.write(head, 0, "latin1"); else scratch.set(head, 0);
    scratch.set(body, head.length);
    const ok = writeDirect(socket, scratch.subarray(0, size));
    if (pendingWriteBytes(socket) > 0) scratch = Buffer.allocUnsafeSlow(scratch.length); // the queue keeps this one
    return ok;
  }
  socket.cork();
  if (typeof head === "string") socket.write(head, "latin1"); else socket.write(head);
  const ok = socket.write(body);
  socket.uncork();
  return ok;
}

/** Writes the held upstream head with Envoy's headers spliced in, and `body` behind it when given. */
function writeSpliced(ex: HttpExchange, head: ResponseHead, raw: Buffer, body: Buffer | null): boolean {
  ex.spliceHead = null;
  const socket = ex.dc.socket;
  const out = splicedResponse(raw, head, ex.spliceCutServer, ex.spliceLines, ex.spliceMs, body, scratch);
  ex.record.bytesSent += out.length - raw.length - (body === null ? 0 : body.length);
  const ok = writeDirect(socket, out);
  // splicedResponse builds in the scratch buffer whenever it fits: a length test, not `.buffer`
  // (a call into the runtime).
  if (out.length <= scratch.length && pendingWriteBytes(socket) > 0) scratch = Buffer.allocUnsafeSlow(scratch.length);
  return ok;
}

/** planResponseHead's answer when the upstream's head bytes go out (Envoy's lines spliced in when ex.spliceHead is set). */
const RELAY_RAW = 1;

export function onUpstreamHead(ex: HttpExchange, conn: H1UpstreamConnection, head: ResponseHead, raw: Buffer): void {
  const dc = ex.dc;
  if (head.status < 200) {
    if (head.status === 101 || ex.head.expectContinue || head.status === 103) dc.socket.write(raw);
    return;
  }
  const plan = planResponseHead(ex, conn, head);
  if (plan !== null) holdHead(ex, plan === RELAY_RAW ? raw : plan);
}

/**
 * A final response head: retried (null), or what goes downstream — the upstream's bytes
 * (RELAY_RAW) or a rewritten head — with the connection's fate and the record updated.
 */
function planResponseHead(ex: HttpExchange, conn: H1UpstreamConnection, head: ResponseHead): string | typeof RELAY_RAW | null {
  const dc = ex.dc;
  ex.clearTryTimer();
  const cluster = ex.cluster as Cluster;
  const route = ex.route as CompiledRoute;
  const f = route.forward as ForwardAction;
  cluster.report(conn.host, { kind: "response", status: head.status });
  if (f.retry !== null && canRetry(ex) && retriableResponse(f.retry, head.status, (n) => head.headers.get(n))) {
    dropUpstream(ex, conn);
    scheduleRetry(ex);
    return null;
  }
  ex.responseStarted = true;
  ex.record.status = head.status;
  // The hook reads and strips Istio's peer metadata: a head without any needs neither it nor a rewrite.
  const hook = head.peerMetadataLines > 0 ? ex.record.responseHeadHook : null;
  if (hook !== null) hook(head.headers, ex.record);
  const close = head.close || ex.head.close || dc.draining || !ex.requestComplete;
  if (close) dc.closeAfterResponse = true;
  const config = dc.rt.config;
  const setServer = setsServer(config, head.serverLines > 0);
  const dropServer = setServer && head.serverLines > 0;
  const now = monotonicNow();
  ex.responseHeadAt = now;
  const serviceMs = upstreamServiceTimeMs(config, ex.requestCompleteAt, now);
  const dropServiceTime = serviceMs >= 0 && head.serviceTimeLines > 0;
  // Envoy keeps the upstream's `date` and adds its own to a response that has none.
  const addDate = head.dateLines === 0;
  const attemptCount = route.virtualHost.includeAttemptCountInResponse;
  if (head.hopByHop || close || ex.head.version === 10 || ex.extraResponse !== null || hook !== null || (dropServer && head.serverLines > 1)
    || head.serviceTimeLines > 1 || attemptCount || route.responseHeadersToAdd.length > 0 || route.responseHeadersToRemove.length > 0) {
    if (addDate) head.headers.push("date", httpDate(wallClockAt(now)));
    if (attemptCount) head.headers.set("x-envoy-attempt-count", String(ex.record.attempts));
    if (route.responseHeadersToAdd.length > 0 || route.responseHeadersToRemove.length > 0) {
      applyHeaderMutations(head.headers, route.responseHeadersToAdd, route.responseHeadersToRemove);
    }
    const extra = ex.extraResponse;
    if (extra !== null) for (let i = 0; i < extra.length; i++) head.headers.push(extra.names[i] as string, extra.values[i] as string);
    return downstreamResponseHead(head, dropServer, dropServiceTime, envoyResponseLines(config, setServer, serviceMs), close, ex.head.version === 10 && !close);
  }
  if (setServer || serviceMs >= 0 || addDate) {
    // The usual case: Envoy's headers spliced into the upstream's bytes when they go out.
    ex.spliceHead = head;
    ex.spliceCutServer = setServer;
    ex.spliceLines = splicedLines(setServer ? config.serverLineBytes : null, addDate ? httpDateLine(wallClockAt(now)) : null);
    ex.spliceMs = serviceMs;
  }
  return RELAY_RAW;
}

/**
 * A whole final response in one upstream read (head in buf[0, headEnd), body to `end`): when
 * Envoy's lines are to be spliced in and the read buffer has room, they go in place and the
 * response leaves in one write whose view is the only one made. Anything else takes the way of
 * a response read in pieces.
 */
export function onUpstreamResponse(ex: HttpExchange, conn: H1UpstreamConnection, head: ResponseHead, buf: Buffer, headEnd: number, end: number): void {
  const plan = planResponseHead(ex, conn, head);
  if (plan === null) return;
  const spliced = ex.spliceHead;
  const outEnd = plan === RELAY_RAW && spliced !== null ? spliceInPlace(buf, headEnd, end, spliced, ex.spliceCutServer, ex.spliceLines, ex.spliceMs) : -1;
  if (outEnd < 0) {
    holdHead(ex, plan === RELAY_RAW ? buf.subarray(0, headEnd) : plan);
    onUpstreamBody(ex, conn, end > headEnd ? buf.subarray(headEnd, end) : NO_BYTES, true);
    return;
  }
  ex.spliceHead = null;
  ex.record.bytesSent += outEnd;
  if (!writeDirect(ex.dc.socket, conn.view(buf, outEnd))) conn.socket.pause();
  responseDone(ex, conn, ex.responseHeadAt);
}

const NO_BYTES = Buffer.alloc(0);

/** The head goes out with the body bytes of the same read (or alone at the read's end). */
function holdHead(ex: HttpExchange, out: Buffer | string): void {
  ex.record.bytesSent += out.length;
  ex.heldHead = out;
}

/** The response is relayed: the host and connection are let go, the exchange ends (`now` -1: read the clock). */
function responseDone(ex: HttpExchange, conn: H1UpstreamConnection, now: number): void {
  const end = now >= 0 ? now : monotonicNow();
  ex.releaseHost();
  ex.upstream = null;
  conn.done(end);
  ex.finish(end);
}

export function onUpstreamBody(ex: HttpExchange, conn: H1UpstreamConnection, bytes: Buffer, last: boolean): void {
  // A head still held arrived in this same read: its clock reading serves as the end time too.
  const headInThisRead = ex.heldHead !== null;
  if (bytes.length > 0) {
    ex.record.bytesSent += bytes.length;
    const head = ex.heldHead;
    let ok: boolean;
    if (head === null) ok = writeDirect(ex.dc.socket, bytes);
    else {
      ex.heldHead = null;
      const spliced = ex.spliceHead;
      if (spliced === null) ok = writeHeadAndBody(ex.dc.socket, head, bytes);
      else if (bytes.length <= JOIN_BODY_BYTES) ok = writeSpliced(ex, spliced, head as Buffer, bytes);
      else {
        writeSpliced(ex, spliced, head as Buffer, null);
        ok = writeDirect(ex.dc.socket, bytes);
      }
    }
    if (!ok) conn.socket.pause();
  }
  if (!last) return;
  onUpstreamReadEnd(ex);
  responseDone(ex, conn, headInThisRead ? ex.responseHeadAt : -1);
}

/** One upstream read was relayed: a head still held (no body bytes in that read) goes out alone. */
export function onUpstreamReadEnd(ex: HttpExchange): void {
  const head = ex.heldHead;
  if (head === null) return;
  ex.heldHead = null;
  if (ex.spliceHead !== null) writeSpliced(ex, ex.spliceHead, head as Buffer, null); else writeDirect(ex.dc.socket, head);
}
