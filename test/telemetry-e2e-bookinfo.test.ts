// Telemetry of the local demo profile over a real mesh: Bookinfo with the ingress gateway in
// capture NONE (`mizzen up`), the demo MeshConfig with its tracing sent to a Zipkin v2 collector
// run by this test (--tracing-endpoint's path). One product page request becomes one trace
// ingress → productpage → reviews → ratings with the right parent/child spans, and each pod's
// merged endpoint on <pod ip>:15020 shows Istio's metrics between the services.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { eventually, meshPods, productPage, REPO_ROOT, startTestMesh, type TestMesh } from "../src/platform/local/mesh/testing/mesh-fixture.js";
import { demoMeshConfig } from "../src/telemetry/wiring/demo-telemetry.js";

interface ZipkinSpan { traceId: string; id: string; parentId?: string; kind?: string; localEndpoint?: { serviceName?: string } }

async function zipkinCollector(): Promise<{ server: Server; port: number; spans: ZipkinSpan[] }> {
  const spans: ZipkinSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/api/v2/spans") { res.writeHead(404).end(); return; }
      try {
        spans.push(...(JSON.parse(Buffer.concat(chunks).toString("utf8")) as ZipkinSpan[]));
        res.writeHead(202).end();
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { server, port: (server.address() as { port: number }).port, spans };
}

/** Service names from a span up to its trace's root, following parentId. */
function ancestry(span: ZipkinSpan, byId: Map<string, ZipkinSpan>): string[] {
  const out: string[] = [];
  let s: ZipkinSpan | undefined = span;
  for (let i = 0; s !== undefined && i < 50; i++) {
    out.push(`${s.kind ?? "?"} ${s.localEndpoint?.serviceName ?? "?"}`);
    s = s.parentId === undefined ? undefined : byId.get(`${s.traceId}/${s.parentId}`);
  }
  return out;
}

describe("telemetry of the demo profile on a real local mesh (Bookinfo, capture NONE)", () => {
  let mesh: TestMesh | undefined;
  let collector: Awaited<ReturnType<typeof zipkinCollector>>;

  before(async () => {
    collector = await zipkinCollector();
    const net = join(REPO_ROOT, "samples/bookinfo/networking");
    mesh = await startTestMesh({
      capture: "none",
      paths: [join(REPO_ROOT, "samples/bookinfo/platform"), join(net, "bookinfo-gateway.yaml"), join(net, "destination-rule-all.yaml")],
      meshConfig: demoMeshConfig({ tracingEndpoint: `http://127.0.0.1:${collector.port}/api/v2/spans` }),
    });
    assert.equal(mesh.up.code, 0, `mizzen up failed: ${mesh.up.stderr}`);
  });

  after(async () => {
    await mesh?.down();
    collector?.server.close();
  });

  it("a product page request is one trace: ingress → productpage → reviews → ratings, parent before child", async () => {
    const port = (mesh as TestMesh).ingressPort;
    let chain: string[] = [];
    await eventually("a trace that reaches ratings through reviews and productpage", async () => {
      assert.equal((await productPage(port)).status, 200);
      const byId = new Map(collector.spans.map((s) => [`${s.traceId}/${s.id}`, s]));
      for (const s of collector.spans) {
        if (s.kind !== "SERVER" || !(s.localEndpoint?.serviceName ?? "").startsWith("ratings.")) continue;
        const a = ancestry(s, byId);
        if (a.length >= 6) { chain = a; return true; }
      }
      return undefined;
    }, 60_000, () => `spans: ${JSON.stringify(collector.spans.slice(0, 12))}`);
    const services = chain.map((c) => c.split(" ")[1] ?? "");
    const at = (prefix: string): number => services.findIndex((s) => s.startsWith(prefix));
    assert.ok(at("ratings.") === 0, chain.join(" ← "));
    assert.ok(at("reviews.") > at("ratings."), chain.join(" ← "));
    assert.ok(at("productpage.") > at("reviews."), chain.join(" ← "));
    // The root is the ingress gateway's span (not a Bookinfo service).
    const root = services[services.length - 1] ?? "";
    assert.ok(!/^(productpage|reviews|ratings|details)\./.test(root), chain.join(" ← "));
    assert.deepEqual(chain.slice(0, 2).map((c) => c.split(" ")[0]), ["SERVER", "CLIENT"], chain.join(" ← "));
  });

  it("each pod's merged endpoint (<pod ip>:15020/stats/prometheus) shows the calls between the services", async () => {
    const pods = await meshPods(mesh as TestMesh);
    const ip = (prefix: string): string => {
      const p = pods.find((x) => x.name.startsWith(prefix));
      assert.ok(p, `no ${prefix} pod`);
      return p.ip;
    };
    const scrape = async (host: string): Promise<string> => (await fetch(`http://${host}:15020/stats/prometheus`)).text();
    const pp = await scrape(ip("productpage-v1"));
    assert.match(pp, /^istio_requests_total\{reporter="source",source_workload="productpage-v1",.*destination_service_name="reviews",.*response_code="200"/m);
    assert.match(pp, /^istio_requests_total\{reporter="destination",.*destination_workload="productpage-v1",.*response_code="200"/m);
    const reviews = (await Promise.all(pods.filter((p) => p.name.startsWith("reviews-")).map((p) => scrape(p.ip)))).join("\n");
    assert.match(reviews, /^istio_requests_total\{reporter="destination",source_workload="productpage-v1",.*destination_app="reviews",/m);
  });
});
