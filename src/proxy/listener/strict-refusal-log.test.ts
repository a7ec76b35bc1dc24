import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compileChainMatch } from "./chain-match.js";
import { isStrictRefusal, RefusalLogLimiter, refusalLine } from "./strict-refusal-log.js";

const chain = (m: Record<string, unknown>): { match: ReturnType<typeof compileChainMatch> } => ({ match: compileChainMatch(m, "m") });

describe("STRICT refusal log", () => {
  it("a plaintext caller is a STRICT refusal only when the chains for its port all demand TLS", () => {
    const strict = [chain({ destination_port: 9080, transport_protocol: "tls" }), chain({ transport_protocol: "raw_buffer" })];
    assert.equal(isStrictRefusal(strict, "raw_buffer", 9080), true);
    assert.equal(isStrictRefusal(strict, "tls", 9080), false);
    // Port 8080 falls back to the port-less chains, which take plaintext: not a STRICT refusal.
    assert.equal(isStrictRefusal(strict, "raw_buffer", 8080), false);
    const permissive = [chain({ destination_port: 9080, transport_protocol: "tls" }), chain({ destination_port: 9080, transport_protocol: "raw_buffer", application_protocols: ["http/1.1"] })];
    assert.equal(isStrictRefusal(permissive, "raw_buffer", 9080), false);
    assert.equal(isStrictRefusal([], "raw_buffer", 9080), false);
  });

  it("logs one line per caller address per window", () => {
    let now = 1_000_000;
    const limiter = new RefusalLogLimiter(10_000, () => now);
    assert.equal(limiter.allow("127.0.0.5"), true);
    assert.equal(limiter.allow("127.0.0.5"), false);
    assert.equal(limiter.allow("127.0.0.6"), true);
    now += 9_999;
    assert.equal(limiter.allow("127.0.0.5"), false);
    now += 1;
    assert.equal(limiter.allow("127.0.0.5"), true);
  });

  it("names the caller's address and the port", () => {
    assert.equal(refusalLine("127.0.0.5", 41234, 9080), "refused plaintext connection from 127.0.0.5:41234 to inbound port 9080: PeerAuthentication STRICT requires mTLS");
  });
});
