import { test } from "node:test";
import assert from "node:assert/strict";
import { selectFilterChain, type ConnectionFacts } from "./filter-chain-match.js";

const chain = (name: string, match?: Record<string, unknown>) => (match ? { name, filter_chain_match: match } : { name });
const facts = (f: Partial<ConnectionFacts>): ConnectionFacts => ({
  destinationIp: "10.0.0.1", destinationPort: 80, serverName: undefined, transportProtocol: "raw_buffer", applicationProtocols: [], ...f,
});

test("Envoy's order: destination port, then IP prefix (longest), then server name (exact over wildcard), then ALPN", () => {
  const listener = {
    filter_chains: [
      chain("any"),
      chain("port-81", { destination_port: 81 }),
      chain("net-8", { prefix_ranges: [{ address_prefix: "10.0.0.0", prefix_len: 8 }] }),
      chain("host-32", { prefix_ranges: [{ address_prefix: "10.0.0.1", prefix_len: 32 }] }),
      chain("wild", { server_names: ["*.example.com"] }),
      chain("exact", { server_names: ["api.example.com"] }),
      chain("http", { application_protocols: ["http/1.1", "h2c"] }),
    ],
  };
  assert.equal(selectFilterChain(listener, facts({ destinationPort: 81 }))?.["name"], "port-81");
  assert.equal(selectFilterChain(listener, facts({}))?.["name"], "host-32");
  assert.equal(selectFilterChain(listener, facts({ destinationIp: "10.2.3.4" }))?.["name"], "net-8");
  assert.equal(selectFilterChain(listener, facts({ destinationIp: "192.0.2.1", serverName: "api.example.com", transportProtocol: "tls" }))?.["name"], "exact");
  assert.equal(selectFilterChain(listener, facts({ destinationIp: "192.0.2.1", serverName: "www.example.com", transportProtocol: "tls" }))?.["name"], "wild");
  assert.equal(selectFilterChain(listener, facts({ destinationIp: "192.0.2.1", applicationProtocols: ["http/1.1"] }))?.["name"], "http");
  assert.equal(selectFilterChain(listener, facts({ destinationIp: "192.0.2.1" }))?.["name"], "any");
});

test("no match and no default chain: undefined; the default_filter_chain otherwise", () => {
  const only = { filter_chains: [chain("tls", { server_names: ["a.example.com"] })] };
  assert.equal(selectFilterChain(only, facts({ serverName: "b.example.com" })), undefined);
  assert.equal(selectFilterChain({ ...only, default_filter_chain: { name: "fallback" } }, facts({ serverName: "b.example.com" }))?.["name"], "fallback");
});
