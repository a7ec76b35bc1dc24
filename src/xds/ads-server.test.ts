// Protocol details of the ADS server, driven by a raw gRPC stream on 127.0.0.1 (no Mizzen client).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import {
  DELTA_METHOD_PATH, SOTW_METHOD_PATH, deltaRequestCodec, deltaResponseCodec, discoveryRequestCodec, discoveryResponseCodec,
  type DeltaDiscoveryRequest, type DeltaDiscoveryResponse, type DiscoveryRequest, type DiscoveryResponse,
} from "../api/envoy/discovery.js";
import { fromEnvoyJson } from "../api/envoy/from-envoy-json.js";
import { CDS_TYPE_URL, EDS_TYPE_URL, LDS_TYPE_URL, RDS_TYPE_URL } from "../api/envoy/type-urls.js";
import { AdsServer } from "./ads-server.js";
import { resourceFromEnvoyJson, type XdsResource } from "./resource.js";
import { matchesSubscription, type ProxyInfo, type Subscription } from "./source.js";

/** A bidi stream with a bounded wait for the next message. */
class RawStream<Req, Res> {
  private readonly received: Res[] = [];
  private waiters: ((r: Res) => void)[] = [];
  constructor(readonly call: grpc.ClientDuplexStream<Req, Res>) {
    call.on("data", (r: Res) => {
      const w = this.waiters.shift();
      if (w) w(r);
      else this.received.push(r);
    });
    call.on("error", () => undefined);
  }
  send(req: Req): void {
    this.call.write(req);
  }
  next(timeoutMs = 5000): Promise<Res> {
    const r = this.received.shift();
    if (r) return Promise.resolve(r);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no response in time")), timeoutMs);
      this.waiters.push((x) => {
        clearTimeout(timer);
        resolve(x);
      });
    });
  }
  get pending(): number {
    return this.received.length;
  }
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const node = (id: string): unknown => fromEnvoyJson("envoy.config.core.v3.Node", { id, cluster: "c" });

function cla(name: string, port: number): XdsResource {
  return resourceFromEnvoyJson(EDS_TYPE_URL, { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: port } } } }] }] });
}
function cluster(name: string): XdsResource {
  return resourceFromEnvoyJson(CDS_TYPE_URL, { name, type: "EDS", eds_cluster_config: { eds_config: { ads: {} } } });
}
function listener(name: string): XdsResource {
  return resourceFromEnvoyJson(LDS_TYPE_URL, { name, address: { socket_address: { address: "127.0.0.1", port_value: 1 } } });
}
function routes(name: string): XdsResource {
  return resourceFromEnvoyJson(RDS_TYPE_URL, { name });
}

describe("ADS server protocol", () => {
  const world = new Map<string, XdsResource[]>();
  const seen: { proxy: string; typeUrl: string; sub: Subscription }[] = [];
  const generator = (proxy: ProxyInfo, typeUrl: string, sub: Subscription): XdsResource[] => {
    seen.push({ proxy: proxy.id, typeUrl, sub });
    return (world.get(typeUrl) ?? []).filter((r) => matchesSubscription(sub, r.name));
  };
  const server = new AdsServer({ source: generator });
  let client: grpc.Client;

  before(async () => {
    world.set(CDS_TYPE_URL, [cluster("a"), cluster("b")]);
    world.set(EDS_TYPE_URL, [cla("a", 1), cla("b", 2)]);
    world.set(LDS_TYPE_URL, [listener("l")]);
    world.set(RDS_TYPE_URL, [routes("r")]);
    const port = await server.listen("127.0.0.1:0");
    client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });
  after(async () => {
    client.close();
    await server.close();
  });

  const sotw = (): RawStream<DiscoveryRequest, DiscoveryResponse> => new RawStream(client.makeBidiStreamRequest(SOTW_METHOD_PATH, discoveryRequestCodec.serialize, discoveryResponseCodec.deserialize));
  const delta = (): RawStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse> => new RawStream(client.makeBidiStreamRequest(DELTA_METHOD_PATH, deltaRequestCodec.serialize, deltaResponseCodec.deserialize));

  it("SotW: named subscriptions, ACK, stale nonces ignored, NACK kept, push in CDS/EDS/LDS/RDS order", async () => {
    const s = sotw();
    s.send({ node: node("p1"), type_url: CDS_TYPE_URL });
    const cds = await s.next();
    assert.equal(cds.resources?.length, 2);
    assert.equal(seen.at(-1)?.proxy, "p1");
    s.send({ type_url: CDS_TYPE_URL, version_info: cds.version_info, response_nonce: cds.nonce });
    s.send({ type_url: EDS_TYPE_URL, resource_names: ["a"] });
    const eds = await s.next();
    assert.deepEqual(eds.resources?.map((r) => r.type_url), [EDS_TYPE_URL]);
    s.send({ type_url: EDS_TYPE_URL, resource_names: ["a"], version_info: eds.version_info, response_nonce: eds.nonce });
    s.send({ type_url: LDS_TYPE_URL });
    const lds = await s.next();
    s.send({ type_url: LDS_TYPE_URL, version_info: lds.version_info, response_nonce: lds.nonce });
    s.send({ type_url: RDS_TYPE_URL, resource_names: ["r"] });
    const rds = await s.next();
    s.send({ type_url: RDS_TYPE_URL, resource_names: ["r"], version_info: rds.version_info, response_nonce: rds.nonce });
    const status = (): Record<string, { status: string; lastNack?: { message: string } }> => server.connections().find((c) => c.proxyId === "p1")?.types ?? {};
    await waitFor("four ACKs", () => [CDS_TYPE_URL, EDS_TYPE_URL, LDS_TYPE_URL, RDS_TYPE_URL].every((t) => status()[t]?.status === "SYNCED"));
    assert.equal(s.pending, 0, "ACKs with unchanged subscriptions get no response");

    // Change everything; the push goes out clusters first, routes last.
    world.set(RDS_TYPE_URL, [resourceFromEnvoyJson(RDS_TYPE_URL, { name: "r", validate_clusters: true })]);
    world.set(LDS_TYPE_URL, [listener("l"), listener("l2")]);
    world.set(EDS_TYPE_URL, [cla("a", 3), cla("b", 2)]);
    world.set(CDS_TYPE_URL, [cluster("a")]);
    await server.push();
    const order = [await s.next(), await s.next(), await s.next(), await s.next()];
    assert.deepEqual(order.map((r) => r.type_url), [CDS_TYPE_URL, EDS_TYPE_URL, LDS_TYPE_URL, RDS_TYPE_URL]);
    const [cds2, eds2] = order;
    assert.ok(cds2 && eds2);
    // A late ACK for the old EDS nonce is stale and changes nothing.
    s.send({ type_url: EDS_TYPE_URL, resource_names: ["a"], version_info: eds.version_info, response_nonce: eds.nonce });
    // NACK the new CDS response.
    s.send({ type_url: CDS_TYPE_URL, version_info: cds.version_info, response_nonce: cds2.nonce, error_detail: { code: 3, message: "a: broken" } });
    // Requests on a stream are handled in order: once the NACK shows, the stale ACK was handled too.
    await waitFor("NACK", () => status()[CDS_TYPE_URL]?.lastNack !== undefined);
    assert.equal(status()[EDS_TYPE_URL]?.status, "STALE");
    assert.equal(status()[CDS_TYPE_URL]?.status, "STALE");
    assert.equal(status()[CDS_TYPE_URL]?.lastNack?.message, "a: broken");
    s.send({ type_url: EDS_TYPE_URL, resource_names: ["a"], version_info: eds2.version_info, response_nonce: eds2.nonce });
    // Adding a name is a new subscription and is answered.
    s.send({ type_url: EDS_TYPE_URL, resource_names: ["a", "b"], version_info: eds2.version_info, response_nonce: eds2.nonce });
    const eds3 = await s.next();
    assert.equal(eds3.type_url, EDS_TYPE_URL);
    assert.equal(eds3.resources?.length, 2);
    s.call.cancel();
  });

  it("delta: wildcard, named subscriptions, only changes sent, removals named, initial versions honoured", async () => {
    world.set(CDS_TYPE_URL, [cluster("a"), cluster("b")]);
    const d = delta();
    d.send({ node: node("p2"), type_url: CDS_TYPE_URL });
    const first = await d.next();
    assert.deepEqual(first.resources?.map((r) => r.name).sort(), ["a", "b"]);
    d.send({ type_url: CDS_TYPE_URL, response_nonce: first.nonce });
    d.send({ type_url: EDS_TYPE_URL, resource_names_subscribe: ["a"] });
    const eds = await d.next();
    assert.deepEqual(eds.resources?.map((r) => r.name), ["a"]);
    d.send({ type_url: EDS_TYPE_URL, response_nonce: eds.nonce });

    world.set(CDS_TYPE_URL, [cluster("a"), cluster("c")]);
    await server.push(["p2"], [CDS_TYPE_URL]);
    const change = await d.next();
    assert.deepEqual(change.resources?.map((r) => r.name), ["c"]);
    assert.deepEqual(change.removed_resources, ["b"]);
    d.send({ type_url: CDS_TYPE_URL, response_nonce: change.nonce });

    d.send({ type_url: EDS_TYPE_URL, response_nonce: eds.nonce, resource_names_unsubscribe: ["a"], resource_names_subscribe: ["b"] });
    const swap = await d.next();
    assert.deepEqual(swap.resources?.map((r) => r.name), ["b"]);
    d.send({ type_url: EDS_TYPE_URL, response_nonce: swap.nonce });
    const types = (): Record<string, { status: string }> => server.connections().find((c) => c.proxyId === "p2")?.types ?? {};
    await waitFor("delta ACKs", () => types()[CDS_TYPE_URL]?.status === "SYNCED" && types()[EDS_TYPE_URL]?.status === "SYNCED");
    d.call.cancel();

    // A new stream that already holds "a" at its current version is sent only "c".
    const again = delta();
    const aVersion = world.get(CDS_TYPE_URL)?.find((r) => r.name === "a")?.version ?? "";
    again.send({ node: node("p3"), type_url: CDS_TYPE_URL, initial_resource_versions: { a: aVersion, gone: "v0" } });
    const resumed = await again.next();
    assert.deepEqual(resumed.resources?.map((r) => r.name), ["c"]);
    assert.deepEqual(resumed.removed_resources, ["gone"]);
    again.call.cancel();
  });

  it("keeps a registry of connected proxies and drops closed streams", async () => {
    const s = sotw();
    s.send({ node: node("p4"), type_url: LDS_TYPE_URL });
    await s.next();
    assert.ok(server.proxies().some((p) => p.id === "p4"));
    s.call.cancel();
    await waitFor("stream removal", () => !server.proxies().some((p) => p.id === "p4"));
  });
});
