// CommonTlsContext compiled once; SecureContexts are built from it lazily and rebuilt only when
// a referenced secret changed (SecretStore.version), so rotation affects new handshakes only.
import type { SecureContext } from "node:tls";
import { MizzenError, errorMessage } from "../../errors.js";
import type { EnvoyJson } from "../contracts.js";
import { invalid, optObject, optObjects, optString, optStrings, reqString } from "../listener/envoy-fields.js";
import { compileCertificate, type CompiledCertificate, type SecretStore } from "./secret-store.js";
import { compileValidation, mergeValidation, type CompiledValidation } from "./validation.js";
import { nodeTls } from "../lazy-builtins.js";

type NodeTlsVersion = "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3";
const VERSIONS: Record<string, NodeTlsVersion | undefined> = {
  TLS_AUTO: undefined, TLSv1_0: "TLSv1", TLSv1_1: "TLSv1.1", TLSv1_2: "TLSv1.2", TLSv1_3: "TLSv1.3",
};

export interface CompiledCommonTls {
  readonly certificates: readonly CompiledCertificate[];
  readonly sdsCertificates: readonly string[];
  readonly validation?: CompiledValidation;
  readonly sdsValidation?: string;
  readonly alpn: readonly string[];
  readonly minVersion: NodeTlsVersion;
  readonly maxVersion: NodeTlsVersion;
}

export interface TlsSnapshot {
  readonly context: SecureContext;
  readonly validation?: CompiledValidation;
  readonly hasCertificate: boolean;
}

function version(v: string | undefined, dflt: NodeTlsVersion, field: string): NodeTlsVersion {
  if (v === undefined) return dflt;
  if (!(v in VERSIONS)) throw invalid(field, `"${v}" is not a TLS version (TLS_AUTO, TLSv1_0 … TLSv1_3)`);
  return VERSIONS[v] ?? dflt;
}

export function compileCommonTls(c: EnvoyJson | undefined, field: string): CompiledCommonTls {
  const ctx = c ?? {};
  const params = optObject(ctx, "tls_params", field) ?? {};
  const minVersion = version(optString(params, "tls_minimum_protocol_version", `${field}.tls_params`), "TLSv1.2", `${field}.tls_params.tls_minimum_protocol_version`);
  const maxVersion = version(optString(params, "tls_maximum_protocol_version", `${field}.tls_params`), "TLSv1.3", `${field}.tls_params.tls_maximum_protocol_version`);
  const certificates = optObjects(ctx, "tls_certificates", field).map((t, i) => compileCertificate(t, `${field}.tls_certificates[${i}]`));
  const sdsCertificates = optObjects(ctx, "tls_certificate_sds_secret_configs", field).map((s, i) => reqString(s, "name", `${field}.tls_certificate_sds_secret_configs[${i}]`));
  let validation: CompiledValidation | undefined;
  let sdsValidation: string | undefined;
  const vc = optObject(ctx, "validation_context", field);
  if (vc) validation = compileValidation(vc, `${field}.validation_context`);
  const vsds = optObject(ctx, "validation_context_sds_secret_config", field);
  if (vsds) sdsValidation = reqString(vsds, "name", `${field}.validation_context_sds_secret_config`);
  const combined = optObject(ctx, "combined_validation_context", field);
  if (combined) {
    const f = `${field}.combined_validation_context`;
    const dv = optObject(combined, "default_validation_context", f);
    if (dv) validation = compileValidation(dv, `${f}.default_validation_context`);
    const s = optObject(combined, "validation_context_sds_secret_config", f);
    if (s) sdsValidation = reqString(s, "name", `${f}.validation_context_sds_secret_config`);
  }
  return {
    certificates, sdsCertificates, alpn: optStrings(ctx, "alpn_protocols", field), minVersion, maxVersion,
    ...(validation ? { validation } : {}), ...(sdsValidation !== undefined ? { sdsValidation } : {}),
  };
}

/** Builds and caches a SecureContext for one compiled CommonTlsContext. */
export class TlsContextProvider {
  private snapshot: TlsSnapshot | undefined;
  private builtAt = -1;

  constructor(readonly compiled: CompiledCommonTls, private readonly store: SecretStore, private readonly field: string) {}

  /** The context for a new handshake; throws MizzenError when a referenced secret is missing or bad. */
  current(): TlsSnapshot {
    if (this.snapshot && this.builtAt === this.store.version) return this.snapshot;
    const c = this.compiled;
    const certs: CompiledCertificate[] = [...c.certificates];
    for (const name of c.sdsCertificates) {
      const s = this.store.require(name, this.field);
      if (!s.certificate) throw new MizzenError("MIZZEN_ERR_TLS_SECRET_MISSING", `${this.field}: secret "${name}" has no tls_certificate`);
      certs.push(s.certificate);
    }
    let validation = c.validation;
    if (c.sdsValidation !== undefined) {
      const s = this.store.require(c.sdsValidation, this.field);
      validation = mergeValidation(validation, s.validation);
    }
    try {
      const context = nodeTls().createSecureContext({
        minVersion: c.minVersion,
        maxVersion: c.maxVersion,
        ...(certs[0] ? { cert: certs[0].certChain, key: certs[0].privateKey } : {}),
        ...(validation?.trustedCa !== undefined ? { ca: validation.trustedCa } : {}),
      });
      this.snapshot = { context, hasCertificate: certs.length > 0, ...(validation ? { validation } : {}) };
      this.builtAt = this.store.version;
      return this.snapshot;
    } catch (e) {
      if (this.snapshot) return this.snapshot; // keep serving the last good context
      throw new MizzenError("MIZZEN_ERR_TLS_CONTEXT", `${this.field}: cannot build TLS context: ${errorMessage(e)}`, { cause: e });
    }
  }
}
