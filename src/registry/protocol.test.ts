import { test } from "node:test";
import assert from "node:assert/strict";
import { servicePortProtocol, parseProtocol, isHttpProtocol } from "./protocol.js";

test("protocol from port name prefix, as Istio's protocol selection", () => {
  const cases: [string, string][] = [
    ["http", "HTTP"], ["http-web", "HTTP"], ["http2", "HTTP2"], ["grpc", "GRPC"], ["grpc-web", "GRPC-Web"], ["grpc-api", "GRPC"],
    ["https", "HTTPS"], ["tls-db", "TLS"], ["tcp", "TCP"], ["mongo-primary", "Mongo"], ["mysql", "MySQL"], ["redis", "Redis"],
    ["web", "UnsupportedProtocol"], ["", "UnsupportedProtocol"], ["HTTP-upper", "HTTP"],
  ];
  for (const [name, want] of cases) assert.equal(servicePortProtocol({ name }), want, name);
});

test("appProtocol wins over the name; UDP ports stay UDP", () => {
  assert.equal(servicePortProtocol({ name: "tcp", appProtocol: "http" }), "HTTP");
  assert.equal(servicePortProtocol({ name: "web", appProtocol: "kubernetes.io/h2c" }), "HTTP2");
  assert.equal(servicePortProtocol({ name: "http", appProtocol: "unknown-thing" }), "HTTP");
  assert.equal(servicePortProtocol({ name: "http", protocol: "UDP" }), "UDP");
  assert.equal(parseProtocol("TLS"), "TLS");
  assert.equal(isHttpProtocol("GRPC"), true);
  assert.equal(isHttpProtocol("TCP"), false);
});
