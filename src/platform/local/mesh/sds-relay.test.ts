import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import {
  ADS_SERVICE_DEFINITION, discoveryRequestCodec, discoveryResponseCodec, SOTW_METHOD_PATH, type DiscoveryRequest, type DiscoveryResponse,
} from "../../../api/envoy/discovery.js";
import { CDS_TYPE_URL, SDS_TYPE_URL } from "../../../api/envoy/type-urls.js";
import { startSdsRelay, type SdsRelay } from "./sds-relay.js";

const PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const secret = (name: string, cert: string): Record<string, unknown> => ({
  name, tls_certificate: { certificate_chain: { inline_bytes: Buffer.from(cert).toString("base64") }, private_key: { inline_bytes: Buffer.from("k").toString("base64") } },
});

/** A control plane stand-in: answers every request with an empty response of its type, and records the types it saw. */
async function upstream(): Promise<{ server: grpc.Server; port: number; seen: string[] }> {
  const seen: string[] = [];
  const server = new grpc.Server();
  server.addService(ADS_SERVICE_DEFINITION, {
    StreamAggregatedResources: (call: grpc.ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>) => {
      call.on("data", (r: DiscoveryRequest) => {
        seen.push(r.type_url ?? "");
        if (!r.response_nonce) call.write({ type_url: r.type_url ?? "", version_info: "cp-1", nonce: "cp", resources: [] });
      });
      call.on("end", () => call.end());
    },
    DeltaAggregatedResources: (call: grpc.ServerDuplexStream<unknown, unknown>) => call.end(),
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return { server, port, seen };
}

describe("the gateway's SDS relay", () => {
  let relay: SdsRelay | undefined;
  let cp: Awaited<ReturnType<typeof upstream>> | undefined;
  let client: grpc.Client | undefined;
  after(async () => {
    client?.close();
    await relay?.close();
    cp?.server.forceShutdown();
  });

  it("passes other types to the control plane, answers SDS itself and pushes changed secrets", async () => {
    cp = await upstream();
    relay = await startSdsRelay(`127.0.0.1:${cp.port}`, [secret("kubernetes://a", "one"), secret("kubernetes://b", "x")], () => undefined);
    client = new grpc.Client(`127.0.0.1:${relay.port}`, grpc.credentials.createInsecure());
    const call = client.makeBidiStreamRequest(SOTW_METHOD_PATH, discoveryRequestCodec.serialize, discoveryResponseCodec.deserialize);
    const responses: DiscoveryResponse[] = [];
    const next = (n: number): Promise<void> => new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`only ${responses.length} responses`)), 5000);
      const check = (): void => { if (responses.length >= n) { clearTimeout(t); call.off("data", check); resolve(); } };
      call.on("data", check);
      check();
    });
    call.on("data", (r: DiscoveryResponse) => responses.push(r));
    call.write({ node: { id: "router~127.0.0.1~gw.istio-system~istio-system.svc.cluster.local" }, type_url: CDS_TYPE_URL });
    await next(1);
    assert.equal(responses[0]?.type_url, CDS_TYPE_URL);
    assert.equal(responses[0]?.version_info, "cp-1", "from the control plane");
    call.write({ type_url: SDS_TYPE_URL, resource_names: ["kubernetes://a"] });
    await next(2);
    assert.equal(responses[1]?.type_url, SDS_TYPE_URL);
    assert.equal(responses[1]?.resources?.length, 1, "only the secret asked for");
    call.write({ type_url: SDS_TYPE_URL, resource_names: ["kubernetes://a"], response_nonce: responses[1]?.nonce ?? "", version_info: responses[1]?.version_info ?? "" });
    relay.update([secret("kubernetes://a", PEM)]);
    await next(3);
    assert.notEqual(responses[2]?.version_info, responses[1]?.version_info);
    assert.ok(Buffer.from(responses[2]?.resources?.[0]?.value ?? []).includes(Buffer.from("BEGIN CERTIFICATE")), "the new certificate");
    assert.equal(responses.length, 3, "the ACK got no answer");
    assert.deepEqual(cp.seen, [CDS_TYPE_URL], "SDS never reached the control plane");
    call.end();
  });
});
