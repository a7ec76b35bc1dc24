// request_mirror_policies: fire-and-forget copies of body-less requests to a shadow cluster,
// with "-shadow" appended to the host as Envoy does. Responses are read and dropped.
import type { ForwardAction } from "../../router/route.js";
import { monotonicNow } from "../request-clock.js";
import type { H1UpstreamConnection, UpstreamUser } from "./h1-upstream-connection.js";
import type { HttpExchange } from "../exchange.js";

class MirrorSink implements UpstreamUser {
  readonly peerSocket = null;
  onUpstreamHead(): void {}
  onUpstreamBody(conn: H1UpstreamConnection, _bytes: Buffer, last: boolean): void {
    if (last) conn.done(monotonicNow());
  }
  onUpstreamFailure(): void {}
  onUpstreamUpgraded(conn: H1UpstreamConnection): void {
    conn.abort();
  }
  onUpstreamDrain(): void {}
  onUpstreamReadEnd(): void {}
}

const MIRROR_SINK = new MirrorSink();

/** "host:port" → "host-shadow:port". */
export function shadowHost(authority: string): string {
  const colon = authority.lastIndexOf(":");
  if (colon > 0 && authority.indexOf("]") < colon && /^\d+$/.test(authority.slice(colon + 1))) {
    return `${authority.slice(0, colon)}-shadow${authority.slice(colon)}`;
  }
  return `${authority}-shadow`;
}

export function sendMirrors(ex: HttpExchange, f: ForwardAction): void {
  const rt = ex.dc.rt;
  for (const m of f.mirrors) {
    if (m.fraction < 1 && Math.random() >= m.fraction) continue;
    const cluster = rt.clusters.get(m.cluster);
    if (cluster === undefined) continue;
    const host = cluster.pickHost(undefined);
    if (host === null) continue;
    let conn = rt.pool.takeIdle(host);
    if (conn === null) {
      if (!cluster.tryAcquire("pending")) continue;
      if (!cluster.tryAcquire("connections")) { cluster.release("pending"); continue; }
      conn = rt.pool.open(cluster, host);
    }
    conn.begin(MIRROR_SINK, ex.method === "HEAD");
    conn.socket.write(ex.upstreamHead(shadowHost(ex.authority)), "latin1");
    conn.requestDone = true;
  }
}
