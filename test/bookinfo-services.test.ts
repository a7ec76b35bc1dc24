// The four Bookinfo services as real processes: their APIs, stars per reviews version, login and
// end-user, header forwarding through HTTP_PROXY (as with a NONE-mode sidecar), error pages.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { httpGet, startForwardProxy, startService, stopService, type RunningService, type TestForwardProxy } from "./bookinfo-helpers.js";

describe("Bookinfo services", () => {
  let proxy: TestForwardProxy;
  const svc: Record<string, RunningService> = {};
  before(async () => {
    proxy = await startForwardProxy();
    const viaProxy = { HTTP_PROXY: `http://127.0.0.1:${proxy.port}` };
    svc["details"] = await startService("details.mjs", {});
    svc["ratings"] = await startService("ratings.mjs", {});
    for (const v of ["v1", "v2", "v3"]) svc[`reviews-${v}`] = await startService("reviews.mjs", { ...viaProxy, SERVICE_VERSION: v, HOSTNAME: `reviews-${v}-abc` });
    svc["productpage"] = await startService("productpage.mjs", viaProxy);
    proxy.routes.set("details:9080", svc["details"].port);
    proxy.routes.set("ratings:9080", svc["ratings"].port);
  });
  after(async () => {
    await Promise.all(Object.values(svc).map(stopService));
    await proxy.close();
  });
  const port = (name: string): number => (svc[name] as RunningService).port;
  const useReviews = (v: string | undefined): void => {
    if (v === undefined) proxy.routes.delete("reviews:9080");
    else proxy.routes.set("reviews:9080", port(`reviews-${v}`));
  };

  it("details answers /details/<id> and rejects non-numeric ids", async () => {
    const r = await httpGet(port("details"), "/details/0");
    assert.equal(r.status, 200);
    const body = JSON.parse(r.body) as Record<string, unknown>;
    assert.equal(body["author"], "William Shakespeare");
    assert.equal(body["ISBN-10"], "1234567890");
    assert.equal((await httpGet(port("details"), "/details/abc")).status, 400);
    assert.equal((await httpGet(port("details"), "/health")).status, 200);
  });

  it("ratings answers GET and accepts a valid POST, refusing out-of-range stars", async () => {
    assert.deepEqual(JSON.parse((await httpGet(port("ratings"), "/ratings/0")).body), { id: 0, ratings: { Reviewer1: 5, Reviewer2: 4 } });
    const bad = await httpGet(port("ratings"), "/ratings/7", { "content-type": "application/json" }, "POST", '{"Reviewer1": 9}');
    assert.equal(bad.status, 400);
    const ok = await httpGet(port("ratings"), "/ratings/7", { "content-type": "application/json" }, "POST", '{"Reviewer1": 2, "Reviewer2": 3}');
    assert.equal(ok.status, 200);
    assert.deepEqual(JSON.parse((await httpGet(port("ratings"), "/ratings/7")).body), { id: 7, ratings: { Reviewer1: 2, Reviewer2: 3 } });
    assert.equal((await httpGet(port("ratings"), "/ratings/x")).status, 400);
  });

  it("reviews v1 has no ratings, v2 black stars, v3 red stars, in Istio's JSON shape", async () => {
    const v1 = JSON.parse((await httpGet(port("reviews-v1"), "/reviews/0")).body) as { id: string; podname: string; reviews: { reviewer: string; rating?: unknown }[] };
    assert.equal(v1.id, "0");
    assert.equal(v1.podname, "reviews-v1-abc");
    assert.deepEqual(v1.reviews.map((r) => r.reviewer), ["Reviewer1", "Reviewer2"]);
    assert.ok(v1.reviews.every((r) => r.rating === undefined));
    const v2 = JSON.parse((await httpGet(port("reviews-v2"), "/reviews/0")).body) as { reviews: { rating: unknown }[] };
    assert.deepEqual(v2.reviews.map((r) => r.rating), [{ stars: 5, color: "black" }, { stars: 4, color: "black" }]);
    const v3 = JSON.parse((await httpGet(port("reviews-v3"), "/reviews/0")).body) as { reviews: { rating: unknown }[] };
    assert.deepEqual(v3.reviews.map((r) => r.rating), [{ stars: 5, color: "red" }, { stars: 4, color: "red" }]);
  });

  it("reviews reports ratings as unavailable when ratings cannot be reached", async () => {
    proxy.routes.delete("ratings:9080");
    try {
      const v3 = JSON.parse((await httpGet(port("reviews-v3"), "/reviews/0")).body) as { reviews: { rating: unknown }[] };
      assert.deepEqual(v3.reviews[0]?.rating, { error: "Ratings service is currently unavailable" });
    } finally {
      proxy.routes.set("ratings:9080", port("ratings"));
    }
  });

  it("productpage renders no stars with reviews v1, black with v2, red with v3", async () => {
    useReviews("v1");
    const p1 = (await httpGet(port("productpage"), "/productpage")).body;
    assert.match(p1, /The Comedy of Errors/);
    assert.match(p1, /William Shakespeare|paperback/);
    assert.match(p1, /Reviewer1/);
    assert.doesNotMatch(p1, /glyphicon-star/);
    useReviews("v2");
    const p2 = (await httpGet(port("productpage"), "/productpage")).body;
    assert.match(p2, /<font color="black">(<span class="glyphicon glyphicon-star"><\/span>){5}<\/font>/);
    assert.doesNotMatch(p2, /color="red"/);
    useReviews("v3");
    const p3 = (await httpGet(port("productpage"), "/productpage")).body;
    assert.match(p3, /<font color="red">(<span class="glyphicon glyphicon-star"><\/span>){4}<span class="glyphicon glyphicon-star-empty"><\/span><\/font>/);
  });

  it("login sets the user cookie, whose name reaches reviews and ratings as end-user; logout clears it", async () => {
    useReviews("v2");
    const login = await httpGet(port("productpage"), "/login", { "content-type": "application/x-www-form-urlencoded" }, "POST", "username=jason&passwd=secret");
    assert.equal(login.status, 302);
    const cookie = (login.headers["set-cookie"] ?? [])[0] ?? "";
    assert.match(cookie, /^user=jason/);
    proxy.seen.length = 0;
    const page = await httpGet(port("productpage"), "/productpage", { cookie: "user=jason" });
    assert.match(page.body, /jason/);
    const toReviews = proxy.seen.find((s) => s.host === "reviews:9080");
    const toRatings = proxy.seen.find((s) => s.host === "ratings:9080");
    assert.equal(toReviews?.headers["end-user"], "jason");
    assert.equal(toRatings?.headers["end-user"], "jason");
    const logout = await httpGet(port("productpage"), "/logout", { cookie: "user=jason" });
    assert.match((logout.headers["set-cookie"] ?? [])[0] ?? "", /^user=;.*Max-Age=0/);
  });

  it("forwards the tracing headers to details, reviews and on to ratings", async () => {
    useReviews("v3");
    const trace: Record<string, string> = {
      "x-request-id": "req-1", "x-b3-traceid": "463ac35c9f6413ad", "x-b3-spanid": "a2fb4a1d1a96d312", "x-b3-parentspanid": "0020000000000001",
      "x-b3-sampled": "1", "x-b3-flags": "1", b3: "463ac35c9f6413ad-a2fb4a1d1a96d312-1", traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      tracestate: "congo=t61rcWkgMzE", "x-ot-span-context": "ctx",
    };
    proxy.seen.length = 0;
    assert.equal((await httpGet(port("productpage"), "/productpage", trace)).status, 200);
    for (const host of ["details:9080", "reviews:9080", "ratings:9080"]) {
      const seen = proxy.seen.find((s) => s.host === host);
      assert.ok(seen, `no request to ${host}`);
      for (const [k, v] of Object.entries(trace)) assert.equal(seen.headers[k], v, `${host} missing ${k}`);
    }
  });

  it("shows Istio's error texts and retries reviews once when reviews and details are down", async () => {
    useReviews(undefined);
    proxy.routes.delete("details:9080");
    try {
      proxy.seen.length = 0;
      const page = await httpGet(port("productpage"), "/productpage");
      assert.equal(page.status, 200);
      assert.match(page.body, /Error fetching product reviews!/);
      assert.match(page.body, /Error fetching product details!/);
      assert.equal(proxy.seen.filter((s) => s.host === "reviews:9080").length, 2);
      assert.equal((await httpGet(port("productpage"), "/api/v1/products/0/reviews")).status, 503);
    } finally {
      proxy.routes.set("details:9080", port("details"));
    }
  });

  it("serves the products API", async () => {
    useReviews("v1");
    const list = JSON.parse((await httpGet(port("productpage"), "/api/v1/products")).body) as { id: number; title: string }[];
    assert.equal(list[0]?.title, "The Comedy of Errors");
    assert.equal(JSON.parse((await httpGet(port("productpage"), "/api/v1/products/0")).body).publisher, "PublisherA");
    assert.equal(JSON.parse((await httpGet(port("productpage"), "/api/v1/products/0/reviews")).body).reviews.length, 2);
    assert.equal(JSON.parse((await httpGet(port("productpage"), "/api/v1/products/0/ratings")).body).ratings.Reviewer1, 5);
    assert.equal((await httpGet(port("productpage"), "/health")).status, 200);
  });

  it("productpage exposes its page views on /metrics in Prometheus' text format (its pods are annotated for scraping)", async () => {
    useReviews("v1");
    const before = (await httpGet(port("productpage"), "/metrics")).body;
    const count = (text: string): number => Number(/productpage_page_views_total\{reviews="ok"\} (\d+)/.exec(text)?.[1] ?? "NaN");
    assert.match(before, /# TYPE productpage_page_views_total counter/);
    await httpGet(port("productpage"), "/productpage");
    assert.equal(count((await httpGet(port("productpage"), "/metrics")).body), count(before) + 1);
  });
});
