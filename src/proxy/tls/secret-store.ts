// Named TLS secrets (static_resources.secrets now, SDS later). An update bumps the store's version;
// TLS context providers notice it and build new SecureContexts for new handshakes only, so open
// connections keep the context they were made with.
import { MizzenError } from "../../errors.js";
import type { EnvoyJson } from "../contracts.js";
import { invalid, isObject, optObject, reqString } from "../listener/envoy-fields.js";
import { readDataSource } from "./data-source.js";
import { compileValidation, type CompiledValidation } from "./validation.js";

export interface CompiledCertificate {
  readonly certChain: string;
  readonly privateKey: string;
}

export interface CompiledSecret {
  readonly name: string;
  readonly certificate?: CompiledCertificate;
  readonly validation?: CompiledValidation;
  /** The accepted Envoy JSON, for config_dump (redacted there). */
  readonly json: EnvoyJson;
  readonly versionInfo: string;
  readonly lastUpdated: Date;
}

export function compileCertificate(c: EnvoyJson, field: string): CompiledCertificate {
  if (c.certificate_chain === undefined) throw invalid(`${field}.certificate_chain`, "is required");
  if (c.private_key === undefined) throw invalid(`${field}.private_key`, "is required");
  const certChain = readDataSource(c.certificate_chain, `${field}.certificate_chain`);
  const privateKey = readDataSource(c.private_key, `${field}.private_key`);
  if (!certChain.includes("-----BEGIN CERTIFICATE-----")) throw invalid(`${field}.certificate_chain`, "holds no PEM certificate");
  if (!privateKey.includes("PRIVATE KEY-----")) throw invalid(`${field}.private_key`, "holds no PEM private key");
  return { certChain, privateKey };
}

/** Compiles an envoy.extensions.transport_sockets.tls.v3.Secret. */
export function compileSecret(json: unknown, field: string, versionInfo = ""): CompiledSecret {
  if (!isObject(json)) throw invalid(field, "must be an object");
  const name = reqString(json, "name", field);
  const cert = optObject(json, "tls_certificate", field);
  const val = optObject(json, "validation_context", field);
  if (!cert && !val) throw invalid(field, `secret "${name}" needs tls_certificate or validation_context`);
  return {
    name,
    ...(cert ? { certificate: compileCertificate(cert, `${field}.tls_certificate`) } : {}),
    ...(val ? { validation: compileValidation(val, `${field}.validation_context`) } : {}),
    json,
    versionInfo,
    lastUpdated: new Date(),
  };
}

export class SecretStore {
  private readonly secrets = new Map<string, CompiledSecret>();
  /** Bumped on every change; TLS providers compare it to rebuild lazily. */
  version = 0;

  /** Compiles and stores one secret; throws MizzenError and keeps the old one on invalid input. */
  set(json: unknown, versionInfo = ""): CompiledSecret {
    const s = compileSecret(json, "secret", versionInfo);
    this.secrets.set(s.name, s);
    this.version++;
    return s;
  }

  remove(name: string): boolean {
    const had = this.secrets.delete(name);
    if (had) this.version++;
    return had;
  }

  get(name: string): CompiledSecret | undefined {
    return this.secrets.get(name);
  }

  require(name: string, field: string): CompiledSecret {
    const s = this.secrets.get(name);
    if (!s) throw new MizzenError("MIZZEN_ERR_TLS_SECRET_MISSING", `${field}: secret "${name}" is not (yet) known`);
    return s;
  }

  list(): CompiledSecret[] {
    return [...this.secrets.values()];
  }
}
