// Loads istio.v1.auth.IstioCertificateService from src/ca/proto/ca.proto (shared by the CA
// server and the agent's client).
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { MizzenError } from "../errors.js";

export const CA_SERVICE_NAME = "istio.v1.auth.IstioCertificateService";
export const CA_PROTO_RELATIVE = join("src", "ca", "proto", "ca.proto");

export interface CertificateRequest {
  csr: string;
  validity_duration: number;
  metadata?: { fields?: Record<string, unknown> } | null;
}

export interface CertificateResponse {
  cert_chain: string[];
}

/** The .proto, found from this module upwards (works from src/ and from dist/src/). */
export function caProtoPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, CA_PROTO_RELATIVE);
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new MizzenError("MIZZEN_ERR_CA_PROTO", `cannot find ${CA_PROTO_RELATIVE} above ${fileURLToPath(import.meta.url)}`);
}

let cached: grpc.ServiceClientConstructor | undefined;

/** The generated service client constructor; `.service` is the definition servers add. */
export function caService(): grpc.ServiceClientConstructor {
  if (cached) return cached;
  const def = protoLoader.loadSync(caProtoPath(), { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { istio: { v1: { auth: { IstioCertificateService: grpc.ServiceClientConstructor } } } };
  cached = pkg.istio.v1.auth.IstioCertificateService;
  return cached;
}
