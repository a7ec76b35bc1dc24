// HTTP/2 exchange, answers the proxy makes itself: a plain-text body that names the cause, or a
// trailers-only gRPC status for gRPC requests; after the response started, a stream reset.
import type { OutgoingHttpHeaders } from "node:http2";
import type { ResponseFlag } from "../../contracts.js";
import { grpcMessage, grpcStatusFor } from "../local-reply.js";
import { dropUpstream } from "./exchange-routing.js";
import type { H2Exchange } from "./exchange.js";
import { httpDate } from "../http-date.js";
import { setsServer } from "../envoy-response-headers.js";

export function localReply(ex: H2Exchange, status: number, flag: ResponseFlag | null, details: string, extraHeaders = ""): void {
  if (flag !== null) ex.record.addFlag(flag);
  ex.record.details = details;
  const extra: OutgoingHttpHeaders = {};
  for (const line of extraHeaders.split("\r\n")) {
    const c = line.indexOf(":");
    if (c > 0) extra[line.slice(0, c).toLowerCase()] = line.slice(c + 1).trim();
  }
  if (ex.grpc && status !== 200) {
    grpcLocalReply(ex, grpcStatusFor(status), flag, details);
    return;
  }
  respondLocal(ex, status, Buffer.from(details), details === "" ? extra : { "content-type": "text/plain; charset=utf-8", ...extra });
}

export function grpcLocalReply(ex: H2Exchange, grpcStatus: number, flag: ResponseFlag | null, details: string): void {
  if (flag !== null) ex.record.addFlag(flag);
  ex.record.details = details;
  ex.record.grpcStatus = String(grpcStatus);
  respondLocal(ex, 200, Buffer.alloc(0), { "content-type": "application/grpc", "grpc-status": String(grpcStatus), "grpc-message": grpcMessage(details) });
}

export function respondLocal(ex: H2Exchange, status: number, body: Buffer, headers: OutgoingHttpHeaders): void {
  if (ex.finished) return;
  if (ex.responded) { ex.resetStream(); ex.done(); return; }
  dropUpstream(ex);
  ex.record.status = status;
  const more = ex.extraResponse;
  if (more !== null) for (let i = 0; i < more.length; i++) headers[more.names[i] as string] = more.values[i];
  if (ex.record.attempts > 0 && ex.route?.virtualHost.includeAttemptCountInResponse === true) headers["x-envoy-attempt-count"] = String(ex.record.attempts);
  if (setsServer(ex.rt.config, false)) headers["server"] = ex.rt.config.serverName;
  headers["date"] = httpDate();
  ex.responded = true;
  const stream = ex.stream;
  if (!stream.closed && !stream.destroyed) {
    stream.respond({ ":status": status, ...headers, "content-length": body.length }, { endStream: body.length === 0 || ex.method === "HEAD" });
    if (body.length > 0 && ex.method !== "HEAD") stream.end(body);
  }
  ex.record.bytesSent += body.length;
  ex.done();
}
