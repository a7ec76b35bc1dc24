// Istio's Bookinfo tasks end to end on a real local mesh (`mizzen up --detach`): each task applies
// its YAML with `mizzen apply` and asserts what a user sees through the ingress gateway at
// http://127.0.0.1:<ingress port>/productpage. Shared by the test files of both capture modes.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  eventually, httpRequest, meshPods, productPage, proxyAdmin, statValue, REPO_ROOT, startTestMesh, starsOf, steadily, type Page, type TestMesh,
} from "./mesh-fixture.js";

const NET = "samples/bookinfo/networking";
const TASKS = "samples/bookinfo/tasks";

const REVIEWS_UNAVAILABLE = "Sorry, product reviews are currently unavailable for this book.";

/** Every Bookinfo task against one mesh in this capture mode, brought up before and down after. */
export function describeBookinfoTasks(capture: "redirect" | "none", skip: string | false = false): void {
  describe(`Bookinfo tasks through the ingress gateway (capture ${capture})`, { skip }, () => {
    let mesh: TestMesh;
    const page = (user?: string): Promise<Page> => productPage(mesh.ingressPort, user);

    before(async () => {
      mesh = await startTestMesh({
        capture,
        paths: [join(REPO_ROOT, "samples/bookinfo/platform"), join(REPO_ROOT, NET, "bookinfo-gateway.yaml"), join(REPO_ROOT, NET, "destination-rule-all.yaml")],
        // The mirroring check reads reviews v2's inbound request count, an Envoy stat outside Istio's
        // minimal set: proxyStatsMatcher adds it, as it would on Istio.
        meshConfig: "accessLogFile: /dev/stdout\ndefaultConfig:\n  proxyStatsMatcher:\n    inclusionSuffixes: [upstream_rq_total]\n",
      });
      assert.equal(mesh.up.code, 0, `mizzen up failed:\n${mesh.up.stdout}\n${mesh.up.stderr}`);
    });
    after(async () => {
      if ((mesh as TestMesh | undefined) === undefined) return;
      const r = await mesh.down();
      assert.equal(r.code, 0, r.stderr);
    });

    it("shows the product page with reviews through the gateway", async () => {
      await steadily("the product page", 3, () => page(), (p) => p.status === 200 && p.body.includes("Book Details") && p.body.includes("Book Reviews"));
    });

    it("request routing: all v1 shows no stars; jason is routed to v2 (black stars)", async () => {
      await mesh.apply(`${NET}/virtual-service-all-v1.yaml`);
      await steadily("no stars with everything on v1", 6, () => page(), (p) => starsOf(p) === "none");
      await mesh.apply(`${NET}/virtual-service-reviews-test-v2.yaml`);
      await steadily("black stars for jason", 4, () => page("jason"), (p) => starsOf(p) === "black");
      await steadily("still no stars for others", 4, () => page(), (p) => starsOf(p) === "none");
      await mesh.remove(`${NET}/virtual-service-all-v1.yaml`);
    });

    it("fault injection: a 7 s delay for jason makes reviews unavailable; an abort makes ratings unavailable", async () => {
      await mesh.apply(`${NET}/virtual-service-all-v1.yaml`, `${NET}/virtual-service-reviews-test-v2.yaml`);
      await steadily("black stars for jason", 2, () => page("jason"), (p) => starsOf(p) === "black");
      await mesh.apply(`${NET}/virtual-service-ratings-test-delay.yaml`);
      // productpage calls reviews with a 3 s timeout and one retry: the 7 s delay outlasts both.
      await steadily("reviews unavailable for jason", 1, () => page("jason"), (p) => p.status === 200 && p.body.includes(REVIEWS_UNAVAILABLE), 60_000);
      await mesh.apply(`${NET}/virtual-service-ratings-test-abort.yaml`);
      await steadily("ratings unavailable for jason", 2, () => page("jason"), (p) => p.status === 200 && p.body.includes("Ratings service is currently unavailable"), 60_000);
      await steadily("others unaffected", 2, () => page(), (p) => starsOf(p) === "none");
      await mesh.remove(`${NET}/virtual-service-all-v1.yaml`);
    });

    it("traffic shifting: 50/50 between v1 and v3, then all v3 (red stars)", async () => {
      await mesh.apply(`${NET}/virtual-service-all-v1.yaml`);
      await steadily("no stars", 3, () => page(), (p) => starsOf(p) === "none");
      await mesh.apply(`${NET}/virtual-service-reviews-50-v3.yaml`);
      const seen = { none: 0, red: 0, black: 0, error: 0 };
      await eventually("both v1 and v3 within 80 requests", async () => {
        const s = starsOf(await page());
        seen[s]++;
        if (seen.none + seen.red + seen.black + seen.error >= 80) return true;
        return seen.none >= 3 && seen.red >= 3 ? true : undefined;
      }, 90_000);
      assert.ok(seen.none >= 3 && seen.red >= 3, `v1/v3 split not seen: ${JSON.stringify(seen)}`);
      assert.equal(seen.black, 0, "v2 must not serve");
      await mesh.apply(`${NET}/virtual-service-reviews-v3.yaml`);
      await steadily("red stars only", 6, () => page(), (p) => starsOf(p) === "red");
      await mesh.remove(`${NET}/virtual-service-all-v1.yaml`);
    });

    it("request timeouts: a 2 s ratings delay is served; a 0.5 s reviews timeout makes reviews unavailable", async () => {
      await mesh.apply(`${NET}/virtual-service-all-v1.yaml`, `${TASKS}/virtual-service-reviews-v2.yaml`, `${TASKS}/virtual-service-ratings-delay-2s.yaml`);
      await steadily("black stars despite the delay", 2, () => page(), (p) => starsOf(p) === "black", 60_000);
      await mesh.apply(`${TASKS}/virtual-service-reviews-v2-timeout.yaml`);
      await steadily("reviews time out", 2, () => page(), (p) => p.status === 200 && p.body.includes(REVIEWS_UNAVAILABLE), 60_000);
      await mesh.remove(`${NET}/virtual-service-all-v1.yaml`);
    });

    it("circuit breaking: one connection, one pending request: concurrent requests overflow with 503 (UO)", async () => {
      await mesh.apply(`${TASKS}/destination-rule-productpage-circuit-breaker.yaml`);
      let last = "";
      await eventually("some requests tripping the breaker", async () => {
        const pages = await Promise.all(Array.from({ length: 30 }, () => page()));
        const overflow = pages.filter((p) => p.status === 503 && /overflow/.test(p.body));
        const ok = pages.filter((p) => p.status === 200);
        last = `${ok.length} ok, ${overflow.length} overflow, others ${pages.filter((p) => p.status !== 200 && p.status !== 503).map((p) => p.status).join(",")}`;
        return overflow.length > 0 && ok.length > 0 ? true : undefined;
      }, 45_000, () => last);
      await mesh.apply(`${NET}/destination-rule-all.yaml`);
      await eventually("no more overflow", async () => {
        const pages = await Promise.all(Array.from({ length: 10 }, () => page()));
        return pages.every((p) => p.status === 200) ? true : undefined;
      });
    });

    it("mirroring: reviews v1 serves every request while v2 gets a copy of each", async () => {
      await mesh.apply(`${NET}/virtual-service-all-v1.yaml`);
      try {
        await steadily("no stars", 3, () => page(), (p) => starsOf(p) === "none");
        const inbound = async (): Promise<number> => statValue(await proxyAdmin(mesh, "reviews-v2", "/stats"), "cluster.inbound|9080||.upstream_rq_total");
        const before = await inbound();
        await mesh.apply(`${TASKS}/virtual-service-reviews-mirror-v2.yaml`);
        await eventually("mirrored requests reaching reviews v2", async () => {
          assert.equal(starsOf(await page()), "none", "v1 keeps serving the responses");
          return (await inbound()) >= before + 3 ? true : undefined;
        }, 45_000);
      } finally {
        await mesh.remove(`${NET}/virtual-service-all-v1.yaml`);
      }
    });

    it("mutual TLS STRICT: a plaintext client outside the mesh is refused while meshed traffic works", async () => {
      const details = (await meshPods(mesh)).find((p) => p.name.startsWith("details-v1-"));
      assert.ok(details);
      const direct = (): Promise<Page> => httpRequest(9080, "/details/0", { host: details.ip, timeoutMs: 5000 });
      await steadily("plaintext accepted while PERMISSIVE", 2, direct, (p) => p.status === 200 && p.body.includes("William Shakespeare"));
      await mesh.apply(`${TASKS}/peer-authentication-strict.yaml`);
      try {
        await steadily("plaintext refused under STRICT", 3, direct, (p) => p.status === 0);
        await steadily("meshed calls still work", 3, () => page(), (p) => p.status === 200 && p.body.includes("Book Details") && p.body.includes("Book Reviews"));
      } finally {
        await mesh.remove(`${TASKS}/peer-authentication-strict.yaml`);
      }
      await steadily("plaintext accepted again", 2, direct, (p) => p.status === 200);
    });

    it("authorization: allow-nothing denies with 403 RBAC: access denied; productpage-viewer lets GET reach productpage only", async () => {
      await mesh.apply(`${TASKS}/policy-allow-nothing.yaml`);
      try {
        await steadily("denied", 3, () => page(), (p) => p.status === 403 && p.body.includes("RBAC: access denied"));
        await mesh.apply(`${TASKS}/policy-productpage-viewer.yaml`);
        await steadily("productpage allowed, details and reviews denied", 3, () => page(), (p) =>
          p.status === 200 && p.body.includes("Error fetching product details!") && p.body.includes("Error fetching product reviews!"));
      } finally {
        await mesh.remove(`${TASKS}/policy-allow-nothing.yaml`, `${TASKS}/policy-productpage-viewer.yaml`).catch(() => undefined);
      }
      await steadily("everything allowed again", 3, () => page(), (p) => p.status === 200 && p.body.includes("Book Details"));
    });
  });
}
