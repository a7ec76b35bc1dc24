// HTTP/2 exchange, forwarding: the upstream request over node:http2 (HTTP/2 clusters, trailers
// relayed) or node:http (HTTP/1.1 clusters), and the response relayed to the client's stream
// with the route's response header changes.
import { request as httpRequest, type IncomingMessage, type ClientRequest } from "node:http";
import type { IncomingHttpHeaders, OutgoingHttpHeaders, ClientHttp2Stream } from "node:http2";
import type { Cluster, UpstreamHost } from "../../contracts.js";
import type { CompiledRoute } from "../../router/route.js";
import { applyHeaderMutations } from "../../router/header-mutation.js";
import { HeaderList } from "../header-list.js";
import { setsServer, upstreamServiceTimeMs } from "../envoy-response-headers.js";
import { h1AgentFor, h2Request } from "./upstream-sessions.js";
import { fail, onUpstreamStatus, upstreamFailed } from "./exchange-routing.js";
import type { H2Exchange } from "./exchange.js";
import { H2_CANCEL, H2_FLAG_END_STREAM, H2_REFUSED_STREAM } from "../../lazy-builtins.js";

const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "host", "http2-settings"]);

export function forwardH2(ex: H2Exchange, cluster: Cluster, host: UpstreamHost, path: string, authority: string): void {
  const h: OutgoingHttpHeaders = { ":method": ex.method, ":path": path, ":authority": authority, ":scheme": cluster.tls ? "https" : "http" };
  copyHeaders(ex, h);
  let req: ClientHttp2Stream;
  try {
    req = h2Request(cluster, host, h, { endStream: false });
  } catch {
    upstreamFailed(ex, cluster, host, false);
    return;
  }
  ex.upstream = req;
  let connected = false;
  req.on("response", (rh: IncomingHttpHeaders, flags: number) => {
    connected = true;
    if (ex.finished || ex.upstream !== req) { req.close(H2_CANCEL); return; }
    const status = Number(rh[":status"] ?? 502);
    if (!onUpstreamStatus(ex, cluster, host, status, (n) => { const v = rh[n]; return v === undefined ? undefined : String(v); })) { req.close(H2_CANCEL); return; }
    const out = responseHeaders(ex, status, rh);
    const endStream = (flags & H2_FLAG_END_STREAM) !== 0;
    if (!respond(ex, out, endStream, !endStream)) { req.close(H2_CANCEL); return; }
    if (endStream) { ex.done(); return; }
    let trailers: OutgoingHttpHeaders | null = null;
    req.on("trailers", (t: IncomingHttpHeaders) => { trailers = { ...t }; const g = t["grpc-status"]; if (typeof g === "string") ex.record.grpcStatus = g; });
    ex.stream.once("wantTrailers", () => {
      if (trailers !== null) ex.stream.sendTrailers(trailers);
      // Empty trailers end the stream with an empty END_STREAM DATA frame; close() would send
      // RST_STREAM instead, which some clients treat as a truncated response.
      else ex.stream.sendTrailers({});
    });
    req.on("data", (d: Buffer) => { ex.record.bytesSent += d.length; ex.record.bodyObserver?.onResponseData(d); if (!ex.stream.write(d)) { req.pause(); ex.stream.once("drain", () => req.resume()); } });
    req.on("end", () => { ex.stream.end(); ex.done(); });
  });
  req.on("ready", () => { connected = true; });
  req.on("error", () => undefined);
  req.on("close", () => {
    if (ex.upstream !== req || ex.finished) return;
    if (req.rstCode === H2_REFUSED_STREAM) { upstreamFailed(ex, cluster, host, connected, true); return; }
    if (!ex.responded || !req.readableEnded) upstreamFailed(ex, cluster, host, connected);
  });
}

export function forwardH1(ex: H2Exchange, cluster: Cluster, host: UpstreamHost, path: string, authority: string): void {
  const h: OutgoingHttpHeaders = { host: authority };
  copyHeaders(ex, h);
  let req: ClientRequest;
  try {
    req = httpRequest({ host: host.address, port: host.port, method: ex.method, path, headers: h, agent: h1AgentFor(cluster), protocol: cluster.tls ? "https:" : "http:" });
  } catch {
    fail(ex, 400, "DPE", "request headers cannot be forwarded over HTTP/1.1");
    return;
  }
  ex.upstream = req;
  let connected = false;
  // A TLS upstream counts as connected only after its handshake (a refused identity is UF, not UC).
  req.on("socket", (s) => {
    if (!s.connecting && (s as { secureConnecting?: boolean }).secureConnecting !== true) connected = true;
    else s.once(cluster.tls ? "secureConnect" : "connect", () => { connected = true; });
  });
  req.on("response", (res: IncomingMessage) => {
    if (ex.finished || ex.upstream !== req) { res.resume(); req.destroy(); return; }
    const status = res.statusCode ?? 502;
    if (!onUpstreamStatus(ex, cluster, host, status, (n) => { const v = res.headers[n]; return v === undefined ? undefined : String(v); })) { res.resume(); req.destroy(); return; }
    if (!respond(ex, responseHeaders(ex, status, res.headers), false, false)) { req.destroy(); return; }
    res.on("data", (d: Buffer) => { ex.record.bytesSent += d.length; ex.record.bodyObserver?.onResponseData(d); if (!ex.stream.write(d)) { res.pause(); ex.stream.once("drain", () => res.resume()); } });
    res.on("end", () => { ex.stream.end(); ex.done(); });
    res.on("error", () => upstreamFailed(ex, cluster, host, true));
  });
  req.on("error", () => { if (ex.upstream === req) upstreamFailed(ex, cluster, host, connected); });
}

/** Sends the response head; false (and a 502 UPE or reset) when the upstream's head cannot be sent. */
function respond(ex: H2Exchange, headers: OutgoingHttpHeaders, endStream: boolean, waitForTrailers: boolean): boolean {
  if (ex.stream.closed || ex.stream.destroyed) return false;
  try {
    ex.stream.respond(headers, { endStream, waitForTrailers });
  } catch {
    ex.upstream = null;
    fail(ex, 502, "UPE", `upstream protocol error: response head from ${ex.record.upstreamHost} cannot be sent over HTTP/2`);
    return false;
  }
  ex.responded = true;
  return true;
}

function copyHeaders(ex: H2Exchange, h: OutgoingHttpHeaders): void {
  const names = ex.headers.names;
  for (let i = 0; i < names.length; i++) {
    const n = names[i] as string;
    if (HOP_BY_HOP.has(n) || (n === "te" && ex.headers.values[i] !== "trailers")) continue;
    const prev = h[n];
    h[n] = prev === undefined ? ex.headers.values[i] : `${String(prev)}, ${ex.headers.values[i] as string}`;
  }
}

function responseHeaders(ex: H2Exchange, status: number, rh: IncomingHttpHeaders): OutgoingHttpHeaders {
  const list = new HeaderList();
  for (const [k, v] of Object.entries(rh)) {
    if (k.charCodeAt(0) === 58 || v === undefined || HOP_BY_HOP.has(k)) continue;
    if (Array.isArray(v)) for (const x of v) list.push(k, x); else list.push(k, String(v));
  }
  const hook = ex.record.responseHeadHook;
  if (hook !== null) hook(list, ex.record);
  const grpcStatus = ex.grpc ? list.get("grpc-status") : undefined;
  if (grpcStatus !== undefined) ex.record.grpcStatus = grpcStatus;
  const route = ex.route as CompiledRoute;
  applyHeaderMutations(list, route.responseHeadersToAdd, route.responseHeadersToRemove);
  const extra = ex.extraResponse;
  if (extra !== null) for (let i = 0; i < extra.length; i++) list.push(extra.names[i] as string, extra.values[i] as string);
  if (route.virtualHost.includeAttemptCountInResponse) list.set("x-envoy-attempt-count", String(ex.record.attempts));
  const config = ex.rt.config;
  if (setsServer(config, list.get("server") !== undefined)) list.set("server", config.serverName);
  const serviceTime = upstreamServiceTimeMs(config, ex.requestEndedAt);
  if (serviceTime >= 0) list.set("x-envoy-upstream-service-time", String(serviceTime));
  const out: OutgoingHttpHeaders = { ":status": status };
  for (let i = 0; i < list.length; i++) {
    const k = list.names[i] as string;
    const prev = out[k];
    out[k] = prev === undefined ? list.values[i] : Array.isArray(prev) ? [...prev, list.values[i] as string] : [String(prev), list.values[i] as string];
  }
  ex.record.status = status;
  return out;
}
