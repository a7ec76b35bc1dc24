// HTTP/1.1 exchange, answers the proxy makes itself (no route, no healthy upstream, overflow,
// timeout, fault, direct response, redirect): the status, the response flag and a body that
// names the cause; after the response started, a reset instead.
import type { ResponseFlag } from "../contracts.js";
import { grpcMessage, h1LocalReply } from "./local-reply.js";
import { dropUpstream } from "./exchange-attempt.js";
import { setsServer } from "./envoy-response-headers.js";
import type { HttpExchange } from "./exchange.js";

export function localReply(ex: HttpExchange, status: number, flag: ResponseFlag | null, details: string, extraHeaders = "", body?: Buffer): void {
  if (ex.finished) return;
  const dc = ex.dc;
  if (ex.responseStarted) { dc.abort(); ex.finish(); return; }
  const r = ex.record;
  if (flag !== null) r.addFlag(flag);
  r.details = details;
  r.status = status;
  if (ex.upstream !== null) dropUpstream(ex, ex.upstream);
  const close = !ex.requestComplete || ex.head.close || dc.draining;
  if (close) dc.closeAfterResponse = true;
  let extra = setsServer(dc.rt.config, false) ? dc.rt.config.serverLine + extraHeaders : extraHeaders;
  const more = ex.extraResponse;
  if (more !== null) for (let i = 0; i < more.length; i++) extra += `${more.names[i] as string}: ${more.values[i] as string}\r\n`;
  if (r.attempts > 0 && ex.route?.virtualHost.includeAttemptCountInResponse === true) extra += `x-envoy-attempt-count: ${r.attempts}\r\n`;
  const out = h1LocalReply(status, body ?? details, close, extra, ex.head.method === "HEAD");
  r.bytesSent += out.length;
  ex.responseStarted = true;
  dc.socket.write(out);
  ex.finish();
}

/** A local reply after routing picked a cluster: the last failure's flag plus URX when retries ran out. */
export function failLocal(ex: HttpExchange, status: number, flag: ResponseFlag | null, details: string): void {
  if (ex.record.attempts > 1 && flag !== "UO") ex.record.addFlag("URX");
  localReply(ex, status, flag, details);
}

export function grpcLocalReply(ex: HttpExchange, grpcStatus: number, flag: ResponseFlag, details: string): void {
  localReply(ex, 200, flag, "", `content-type: application/grpc\r\ngrpc-status: ${grpcStatus}\r\ngrpc-message: ${grpcMessage(details)}\r\n`);
}
