import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { compileChainMatch, selectChain, type MatchInput } from "./chain-match.js";
import { parseIp } from "./cidr.js";

function chains(specs: Record<string, Record<string, unknown>>): { name: string; match: ReturnType<typeof compileChainMatch> }[] {
  return Object.entries(specs).map(([name, m]) => ({ name, match: compileChainMatch(m, name) }));
}

function input(over: Partial<MatchInput> & { dst?: string; src?: string } = {}): MatchInput {
  return {
    destinationPort: 80, destinationIp: parseIp(over.dst ?? "10.0.0.1"), serverName: "", transportProtocol: "raw_buffer",
    applicationProtocols: [], sourceIp: parseIp(over.src ?? "192.168.1.5"), sourcePort: 40000, sourceIsLocal: false, ...over,
  };
}

describe("filter chain match order", () => {
  it("prefers a matching destination port over chains without one, and falls back when none matches", () => {
    const cs = chains({ any: {}, p80: { destination_port: 80 }, p443: { destination_port: 443 } });
    assert.equal(selectChain(cs, input())?.name, "p80");
    assert.equal(selectChain(cs, input({ destinationPort: 8080 }))?.name, "any");
  });

  it("destination port is decided before server names", () => {
    const cs = chains({ sni: { server_names: ["a.example.com"] }, port: { destination_port: 80 } });
    assert.equal(selectChain(cs, input({ serverName: "a.example.com" }))?.name, "port");
  });

  it("longest destination prefix wins", () => {
    const cs = chains({
      wide: { prefix_ranges: [{ address_prefix: "10.0.0.0", prefix_len: 8 }] },
      narrow: { prefix_ranges: [{ address_prefix: "10.0.0.0", prefix_len: 24 }] },
    });
    assert.equal(selectChain(cs, input({ dst: "10.0.0.9" }))?.name, "narrow");
    assert.equal(selectChain(cs, input({ dst: "10.9.0.9" }))?.name, "wide");
    assert.equal(selectChain(cs, input({ dst: "11.0.0.1" })), undefined);
  });

  it("exact server name beats the most specific wildcard, which beats a shorter one", () => {
    const cs = chains({
      exact: { server_names: ["api.eu.example.com"] },
      eu: { server_names: ["*.eu.example.com"] },
      all: { server_names: ["*.example.com"] },
      none: {},
    });
    assert.equal(selectChain(cs, input({ serverName: "api.eu.example.com" }))?.name, "exact");
    assert.equal(selectChain(cs, input({ serverName: "web.eu.example.com" }))?.name, "eu");
    assert.equal(selectChain(cs, input({ serverName: "x.y.example.com" }))?.name, "all");
    assert.equal(selectChain(cs, input({ serverName: "example.com" }))?.name, "none");
    assert.equal(selectChain(cs, input({ serverName: "" }))?.name, "none");
  });

  it("transport protocol, then application protocols", () => {
    const cs = chains({
      tls: { transport_protocol: "tls" },
      h2: { transport_protocol: "tls", application_protocols: ["h2"] },
      raw: { transport_protocol: "raw_buffer" },
    });
    assert.equal(selectChain(cs, input({ transportProtocol: "tls", applicationProtocols: ["h2", "http/1.1"] }))?.name, "h2");
    assert.equal(selectChain(cs, input({ transportProtocol: "tls", applicationProtocols: ["http/1.1"] }))?.name, "tls");
    assert.equal(selectChain(cs, input())?.name, "raw");
  });

  it("source type, source prefix and source port come last", () => {
    const cs = chains({
      local: { source_type: "SAME_IP_OR_LOOPBACK" },
      lan: { source_prefix_ranges: [{ address_prefix: "192.168.0.0", prefix_len: 16 }] },
      port: { source_prefix_ranges: [{ address_prefix: "192.168.0.0", prefix_len: 16 }], source_ports: [40000] },
    });
    assert.equal(selectChain(cs, input({ sourceIsLocal: true, src: "127.0.0.1" }))?.name, "local");
    assert.equal(selectChain(cs, input())?.name, "port");
    assert.equal(selectChain(cs, input({ sourcePort: 1 }))?.name, "lan");
  });

  it("IPv6 and IPv4-mapped addresses match their ranges", () => {
    const cs = chains({ v6: { prefix_ranges: [{ address_prefix: "fd00::", prefix_len: 8 }] }, v4: { prefix_ranges: [{ address_prefix: "127.0.0.0", prefix_len: 8 }] } });
    assert.equal(selectChain(cs, input({ dst: "fd12::1" }))?.name, "v6");
    assert.equal(selectChain(cs, input({ dst: "::ffff:127.0.0.1" }))?.name, "v4");
  });

  it("rejects invalid criteria naming the field", () => {
    assert.throws(() => compileChainMatch({ destination_port: 70000 }, "fc"), /fc\.destination_port/);
    assert.throws(() => compileChainMatch({ server_names: ["a.*.com"] }, "fc"), /fc\.server_names\[0\]/);
    assert.throws(() => compileChainMatch({ prefix_ranges: [{ address_prefix: "nope" }] }, "fc"), /fc\.prefix_ranges\[0\]\.address_prefix/);
    assert.throws(() => compileChainMatch({ source_type: "MARS" }, "fc"), /fc\.source_type/);
  });
});
