// Decoding never throws: 20,000 bounded cases of random YAML-ish text, random bytes, mutated valid
// documents, deep nesting, huge numbers and alias bombs. Every diagnostic has a code and a message.
import { test } from "node:test";
import assert from "node:assert/strict";
import { stringify } from "yaml";
import type { Diagnostic } from "../diagnostic.js";
import { decodeObject, decodeText } from "./index.js";
import { makeLocator } from "./yaml-locate.js";
import { LineCounter } from "yaml";

/** Small deterministic PRNG (mulberry32) so a failure can be replayed from its case number. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
const int = (r: Rand, n: number): number => Math.floor(r() * n);

const seeds: unknown[] = [
  { apiVersion: "networking.istio.io/v1", kind: "VirtualService", metadata: { name: "reviews", namespace: "bookinfo" }, spec: { hosts: ["reviews"], gateways: ["mesh"], http: [{ match: [{ uri: { prefix: "/api" }, headers: { "end-user": { exact: "jason" } } }], route: [{ destination: { host: "reviews", subset: "v1", port: { number: 9080 } }, weight: 80 }, { destination: { host: "reviews", subset: "v2" }, weight: 20 }], timeout: "5s", retries: { attempts: 3, perTryTimeout: "2s", retryOn: "5xx" }, fault: { delay: { fixedDelay: "1s", percentage: { value: 10 } } }, corsPolicy: { allowOrigins: [{ regex: ".*" }] }, headers: { request: { set: { "x-a": "b" } } } }], tcp: [{ match: [{ port: 27017 }], route: [{ destination: { host: "mongo" } }] }] } },
  { apiVersion: "networking.istio.io/v1beta1", kind: "DestinationRule", metadata: { name: "reviews" }, spec: { host: "reviews", trafficPolicy: { loadBalancer: { consistentHash: { httpCookie: { name: "u", ttl: "0s" }, ringHash: { minimumRingSize: 1024 } } }, connectionPool: { tcp: { maxConnections: 10 }, http: { idleTimeout: "1h" } }, outlierDetection: { consecutive5xxErrors: 5, interval: "10s" }, tls: { mode: "ISTIO_MUTUAL" }, portLevelSettings: [{ port: { number: 80 }, tls: { mode: "SIMPLE" } }] }, subsets: [{ name: "v1", labels: { version: "v1" } }], exportTo: ["."] } },
  { apiVersion: "networking.istio.io/v1alpha3", kind: "Gateway", metadata: { name: "gw" }, spec: { selector: { istio: "ingressgateway" }, servers: [{ port: { number: 443, name: "https", protocol: "HTTPS" }, hosts: ["ns/*.example.com"], tls: { mode: "SIMPLE", credentialName: "cert" } }] } },
  { apiVersion: "networking.istio.io/v1", kind: "ServiceEntry", metadata: { name: "se" }, spec: { hosts: ["api.example.com"], ports: [{ number: 443, name: "tls", protocol: "TLS" }], resolution: "DNS", endpoints: [{ address: "1.2.3.4", ports: { tls: 8443 } }] } },
  { apiVersion: "networking.istio.io/v1", kind: "Sidecar", metadata: { name: "default" }, spec: { ingress: [{ port: { number: 9080, protocol: "HTTP", name: "http" }, defaultEndpoint: "127.0.0.1:8080" }], egress: [{ hosts: ["./*"] }], outboundTrafficPolicy: { mode: "ALLOW_ANY" } } },
  { apiVersion: "networking.istio.io/v1", kind: "WorkloadGroup", metadata: { name: "wg" }, spec: { template: { ports: { http: 80 } }, probe: { httpGet: { port: 80 } } } },
];

const oddValues: unknown[] = [null, true, 0, -1, 1e308, -1e308, 4294967296, 0.5, "", "x", "*", "∞", [], {}, [[[]]], { a: { b: { c: 1 } } }, "1e400", "\u0000", "__proto__"];
const keys = ["spec", "metadata", "name", "host", "hosts", "http", "route", "weight", "__proto__", "constructor", "toString", "", "wieght", "per_try_timeout", "x".repeat(300)];

function paths(v: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = [], depth = 0): (string | number)[][] {
  if (depth > 12 || out.length > 400) return out;
  out.push(prefix);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...prefix, i], out, depth + 1));
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) paths(x, [...prefix, k], out, depth + 1);
  return out;
}

function mutate(r: Rand, seed: unknown): unknown {
  const doc = structuredClone(seed) as Record<string, unknown>;
  const n = 1 + int(r, 4);
  for (let i = 0; i < n; i++) {
    const all = paths(doc).filter((p) => p.length > 0);
    const path = pick(r, all);
    let parent: unknown = doc;
    for (const seg of path.slice(0, -1)) parent = (parent as Record<string | number, unknown>)[seg];
    const last = path[path.length - 1] as string | number;
    const container = parent as Record<string | number, unknown>;
    switch (int(r, 5)) {
      case 0:
        if (Array.isArray(container)) container.splice(last as number, 1);
        else delete container[last];
        break;
      case 1:
        if (Array.isArray(container)) container.push(structuredClone(container[last as number]));
        else container[pick(r, keys)] = structuredClone(container[last]);
        break;
      case 2:
        container[last] = structuredClone(pick(r, oddValues));
        break;
      case 3:
        container[last] = nest(int(r, 60));
        break;
      default:
        if (!Array.isArray(container)) {
          container[String(last).toUpperCase()] = container[last];
          delete container[last];
        }
    }
  }
  return doc;
}

function nest(depth: number): unknown {
  let v: unknown = "leaf";
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

const tokens = ["apiVersion: ", "kind: ", "metadata:", "  name: x", "spec:", "- ", ": ", "\n", "\n  ", "[", "]", "{", "}", ",", "&a ", "*a", "<<: *a", "!!str ", "!!binary ", "!tag ", "'", '"', "#", "---\n", "...\n", "?", "|", ">", "%YAML 1.2\n", "\t", "1e999", "-0", "0x1F", "~", "null", "networking.istio.io/v1", "VirtualService", "hosts", "http", "*", "\\", "\u2028", "\ud800"];

function yamlish(r: Rand): string {
  let s = "";
  const n = int(r, 60);
  for (let i = 0; i < n; i++) s += pick(r, tokens);
  return s;
}

function randomBytes(r: Rand): string {
  let s = "";
  const n = int(r, 200);
  for (let i = 0; i < n; i++) s += String.fromCharCode(int(r, r() < 0.8 ? 128 : 0xffff));
  return s;
}

function aliasBomb(r: Rand): string {
  const levels = 3 + int(r, 8);
  const lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"];
  for (let i = 1; i < levels; i++) lines.push(`a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(", ")}]`);
  return lines.join("\n");
}

function deep(r: Rand): string {
  const depth = 50 + int(r, 1000);
  return r() < 0.5 ? "[".repeat(depth) + "]".repeat(depth) : Array.from({ length: Math.min(depth, 150) }, (_, i) => " ".repeat(i) + "a:").join("\n");
}

function checkDiagnostics(ds: Diagnostic[], label: string): void {
  for (const d of ds) {
    assert.ok(typeof d.code === "string" && d.code.length > 0, `${label}: diagnostic without code`);
    assert.ok(typeof d.message === "string" && d.message.length > 0, `${label}: diagnostic without message`);
    assert.ok(d.severity === "error" || d.severity === "warning" || d.severity === "info", `${label}: severity`);
  }
}

test("decoding 20,000 hostile inputs never throws", () => {
  const cases = 20000;
  const started = Date.now();
  let decodedSomething = 0;
  for (let i = 0; i < cases; i++) {
    const r = rng(i + 1);
    const kind = i % 8;
    let text: string;
    if (kind === 0) text = yamlish(r);
    else if (kind === 1) text = randomBytes(r);
    else if (kind === 2) text = i % 16 === 2 ? aliasBomb(r) : deep(r);
    else if (kind === 3) text = JSON.stringify(mutate(r, pick(r, seeds)));
    else text = stringify(mutate(r, pick(r, seeds)), { aliasDuplicateObjects: false });
    const label = `case ${i} (kind ${kind})`;
    let result;
    try {
      result = decodeText(text, "fuzz.yaml");
    } catch (e) {
      assert.fail(`${label} threw: ${e instanceof Error ? e.stack : String(e)}\ninput: ${JSON.stringify(text.slice(0, 500))}`);
    }
    checkDiagnostics(result.diagnostics, label);
    decodedSomething += result.resources.length;
    if (Date.now() - started > 60_000) assert.fail(`fuzzing took over 60 s (stopped at case ${i})`);
  }
  // Some mutations leave documents valid: the generator is not only producing garbage.
  assert.ok(decodedSomething > 0);
});

test("decodeObject accepts any JavaScript value without throwing", () => {
  const locator = makeLocator(null, new LineCounter(), 0);
  const values: unknown[] = [...oddValues, Object.create(null), { apiVersion: 1, kind: {} }, { apiVersion: "networking.istio.io/v1", kind: "Gateway", metadata: Object.create(null) }];
  values.forEach((v, i) => checkDiagnostics(decodeObject(v, { file: "x", locator }).diagnostics, `value ${i}`));
});
