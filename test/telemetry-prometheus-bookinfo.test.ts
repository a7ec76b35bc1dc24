// The telemetry issue's acceptance test: a real Prometheus (Debian's `prometheus`, on 127.0.0.1
// with a generated scrape config) scrapes every pod's merged endpoint (<pod ip>:15020) of Bookinfo
// on the local mesh (`mizzen up`, REDIRECT when root + iptables, else NONE) while load flows
// through the ingress gateway. PromQL of the kind Istio's dashboards use sees the 50/50 reviews
// split of virtual-service-reviews-50-v3.yaml and the aborts injected into ratings.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  eventually, meshPods, productPage, redirectUnavailable, REPO_ROOT, startTestMesh, starsOf, steadily, type TestMesh,
} from "../src/platform/local/mesh/testing/mesh-fixture.js";
import { findPrometheus, startPrometheus, type PromSample, type RunningPrometheus } from "../src/telemetry/testing/prometheus.js";

const NET = "samples/bookinfo/networking";
const bin = findPrometheus();
const skip = bin === null ? "the prometheus binary is not installed (apt-get install prometheus); CI installs it" : false;

// Every request's ratings call aborted with 500 (Istio's test-abort file limits it to jason).
const RATINGS_ABORT_ALL = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ratings
spec:
  hosts:
  - ratings
  http:
  - fault:
      abort:
        percentage:
          value: 100.0
        httpStatus: 500
    route:
    - destination:
        host: ratings
        subset: v1
`;

interface LoadResult { sent: number; byStatus: Record<number, number> }

/** `total` product page requests through the gateway, `perTick` at a time every `tickMs`; stops at `maxMs` too. */
async function load(port: number, total: number, perTick: number, tickMs: number, maxMs: number): Promise<LoadResult> {
  const out: LoadResult = { sent: 0, byStatus: {} };
  const deadline = Date.now() + maxMs;
  while (out.sent < total && Date.now() < deadline) {
    const tick = Date.now();
    const n = Math.min(perTick, total - out.sent);
    const pages = await Promise.all(Array.from({ length: n }, () => productPage(port)));
    for (const p of pages) out.byStatus[p.status] = (out.byStatus[p.status] ?? 0) + 1;
    out.sent += n;
    const wait = tickMs - (Date.now() - tick);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  return out;
}

const valueOf = (samples: PromSample[], label: string, v: string): number | undefined =>
  samples.find((s) => s.metric[label] === v)?.value;

const capture = redirectUnavailable ? "none" : "redirect";

describe(`a real Prometheus scrapes Bookinfo on the local mesh under load (capture ${capture})`, { skip, timeout: 150_000 }, () => {
  let mesh: TestMesh | undefined;
  let prom: RunningPrometheus | undefined;

  before(async () => {
    // All of reviews on v1 from the start, so no request ever reaches v2.
    mesh = await startTestMesh({
      capture,
      paths: [join(REPO_ROOT, "samples/bookinfo/platform"), ...["bookinfo-gateway.yaml", "destination-rule-all.yaml", "virtual-service-all-v1.yaml"].map((f) => join(REPO_ROOT, NET, f))],
    });
    assert.equal(mesh.up.code, 0, `mizzen up failed:\n${mesh.up.stdout}\n${mesh.up.stderr}`);
    const pods = await meshPods(mesh);
    prom = await startPrometheus(bin as string, pods.map((p) => ({ job: p.name, host: p.ip, port: 15020 })), 1);
  });

  after(async () => {
    await prom?.stop();
    const r = await mesh?.down();
    if (r) assert.equal(r.code, 0, r.stderr);
  });

  it("every pod's 15020 endpoint is a healthy scrape target", async () => {
    const p = prom as RunningPrometheus;
    const pods = await meshPods(mesh as TestMesh);
    let last = "";
    await eventually("every target scraped and up", async () => {
      const targets = await p.targets();
      last = JSON.stringify(targets);
      return targets.length === pods.length && targets.every((t) => t.health === "up") ? true : undefined;
    }, 20_000, () => last);
  });

  it("reviews 50/50 between v1 and v3 (no v2): the dashboard's rate by destination_version", async (t) => {
    const m = mesh as TestMesh;
    const p = prom as RunningPrometheus;
    await steadily("no stars with everything on v1", 3, () => productPage(m.ingressPort), (pg) => starsOf(pg) === "none");
    await m.apply(`${NET}/virtual-service-reviews-50-v3.yaml`);
    await eventually("red stars from v3", async () => (starsOf(await productPage(m.ingressPort)) === "red" ? true : undefined), 30_000);
    const sent = await load(m.ingressPort, 300, 5, 300, 30_000);
    assert.ok((sent.byStatus[200] ?? 0) >= sent.sent * 0.95, `load answers: ${JSON.stringify(sent)}`);
    // rate() over [1m] covers the whole ~20 s load (Prometheus has scraped since before it): the
    // window is long enough, so no need for increase(). Wait for scrapes after the load's end.
    const split = 'sum(rate(istio_requests_total{reporter="destination",destination_service_name="reviews"}[1m])) by (destination_version)';
    let samples: PromSample[] = [];
    await eventually("v1 and v3 series in Prometheus", async () => {
      samples = await p.query(split);
      return (valueOf(samples, "destination_version", "v1") ?? 0) > 0 && (valueOf(samples, "destination_version", "v3") ?? 0) > 0 ? true : undefined;
    }, 20_000, () => JSON.stringify(samples));
    await new Promise((r) => setTimeout(r, 2500));
    samples = await p.query(split);
    const v1 = valueOf(samples, "destination_version", "v1") ?? 0;
    const v3 = valueOf(samples, "destination_version", "v3") ?? 0;
    const share = v1 / (v1 + v3);
    t.diagnostic(`load ${JSON.stringify(sent)}; rate by version ${JSON.stringify(samples.map((s) => [s.metric["destination_version"], s.value]))}`);
    assert.ok(Math.abs(share - 0.5) <= 0.15, `v1 share ${share.toFixed(3)}: ${JSON.stringify(samples)}`);
    assert.equal(valueOf(samples, "destination_version", "v2"), undefined, `no v2 series: ${JSON.stringify(samples)}`);
  });

  it("aborts injected into ratings show in the source reporter's error rate with response_flags FI", async (t) => {
    const m = mesh as TestMesh;
    const p = prom as RunningPrometheus;
    const file = join(m.stateDir, "ratings-abort-all.yaml");
    writeFileSync(file, RATINGS_ABORT_ALL);
    const applied = await m.cli(["apply", "-f", file]);
    assert.equal(applied.code, 0, applied.stderr);
    await steadily("ratings unavailable on v3 pages", 1, () => productPage(m.ingressPort), (pg) => pg.status === 200 && pg.body.includes("Ratings service is currently unavailable"), 30_000);
    const sent = await load(m.ingressPort, 150, 5, 300, 20_000);
    assert.ok((sent.byStatus[200] ?? 0) >= sent.sent * 0.95, `the page is still served: ${JSON.stringify(sent)}`);
    const errors = 'sum(rate(istio_requests_total{reporter="source",destination_service_name="ratings",response_code="500"}[1m])) by (response_flags, source_workload)';
    let samples: PromSample[] = [];
    await eventually("the ratings error rate in Prometheus", async () => {
      samples = await p.query(errors);
      return samples.some((s) => s.value > 0) ? true : undefined;
    }, 20_000, () => JSON.stringify(samples));
    t.diagnostic(`load ${JSON.stringify(sent)}; ratings 500s ${JSON.stringify(samples)}`);
    const fi = samples.find((s) => s.metric["response_flags"] === "FI");
    assert.ok(fi !== undefined && fi.value > 0, `aborted requests carry FI: ${JSON.stringify(samples)}`);
    assert.equal(fi.metric["source_workload"], "reviews-v3", "reviews v3 is the one calling ratings");
    const total = await p.query('sum(rate(istio_requests_total{reporter="source",destination_service_name="ratings",response_code="500"}[1m]))');
    assert.ok((total[0]?.value ?? 0) > 0, `the dashboard's error-rate query: ${JSON.stringify(total)}`);
  });
});
