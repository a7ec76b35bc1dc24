// DownstreamTlsContext: terminates TLS on an accepted socket (after the listener filters) and
// reports SNI, ALPN and the verified peer's URI SANs to the network filters.
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { MizzenError, errorMessage } from "../../errors.js";
import type { EnvoyJson } from "../contracts.js";
import { optBool, optObject } from "../listener/envoy-fields.js";
import { TlsContextProvider, compileCommonTls } from "./common-context.js";
import type { SecretStore } from "./secret-store.js";
import { parseSubjectAltNames, sansMatch } from "./validation.js";
import { nodeTls } from "../lazy-builtins.js";

export const DOWNSTREAM_TLS_TYPE = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext";
const HANDSHAKE_TIMEOUT_MS = 15_000;

/**
 * OpenSSL's verdict on the peer chain. Node fills `authorized` only for sockets accepted by a
 * tls.Server (it calls the handle's verifyError() there); ours are wrapped by hand, so ask the same
 * way. Fails closed when the handle does not offer it.
 */
function peerVerifyError(tls: TLSSocket): string | null {
  const handle = (tls as unknown as { _handle?: { verifyError?: () => (Error & { code?: string }) | null } })._handle;
  if (typeof handle?.verifyError !== "function") return "verification unavailable";
  const e = handle.verifyError();
  return e ? (e.code ?? e.message) : null;
}

export interface TlsSessionInfo {
  readonly sni?: string;
  readonly alpn?: string;
  readonly peerUriSans: readonly string[];
  /** URI SANs of the certificate the proxy presented: read on first use (ext_authz's destination principal). */
  readonly localUriSans: readonly string[];
}

/** URI SANs of the certificate `tls` presents, or none. */
function localUriSans(tls: TLSSocket): string[] {
  const cert = tls.getCertificate();
  const sans = cert !== null && typeof cert === "object" && "subjectaltname" in cert ? parseSubjectAltNames(cert.subjectaltname) : [];
  return sans.filter((s) => s.type === "URI").map((s) => s.value);
}

export type TerminateResult =
  | { ok: true; socket: TLSSocket; info: TlsSessionInfo }
  | { ok: false; error: MizzenError };

export class DownstreamTls {
  private readonly provider: TlsContextProvider;
  private readonly requireClientCert: boolean;

  constructor(json: EnvoyJson, store: SecretStore, field: string) {
    const common = compileCommonTls(optObject(json, "common_tls_context", field), `${field}.common_tls_context`);
    this.requireClientCert = optBool(json, "require_client_certificate", field) ?? false;
    this.provider = new TlsContextProvider(common, store, field);
    if (common.certificates.length === 0 && common.sdsCertificates.length === 0) {
      throw new MizzenError("MIZZEN_ERR_XDS_INVALID", `${field}.common_tls_context: a server TLS context needs tls_certificates or tls_certificate_sds_secret_configs`);
    }
  }

  /** Wraps `raw` (paused, with `preread` not yet consumed) in a server TLSSocket; `done` runs exactly once. */
  terminate(raw: Socket, preread: Buffer | undefined, done: (r: TerminateResult) => void): void {
    let snapshot;
    try {
      snapshot = this.provider.current();
    } catch (e) {
      raw.destroy();
      done({ ok: false, error: e instanceof MizzenError ? e : new MizzenError("MIZZEN_ERR_TLS_CONTEXT", errorMessage(e)) });
      return;
    }
    if (raw.readableEnded) {
      // The client half-closed during inspection; it can no longer finish a handshake.
      raw.destroy();
      done({ ok: false, error: new MizzenError("MIZZEN_ERR_TLS_HANDSHAKE", "client closed before the TLS handshake completed") });
      return;
    }
    if (preread && preread.length > 0) raw.unshift(preread);
    const alpn = this.provider.compiled.alpn;
    const verify = this.requireClientCert || snapshot.validation !== undefined;
    const tls = new (nodeTls().TLSSocket)(raw, {
      isServer: true,
      secureContext: snapshot.context,
      requestCert: verify,
      rejectUnauthorized: false, // checked below so we can report why
      ...(alpn.length > 0 ? { ALPNProtocols: [...alpn] } : {}),
    });
    let finished = false;
    const finish = (r: TerminateResult): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      tls.removeListener("error", onError);
      tls.removeListener("readable", onReadable);
      tls.removeListener("end", onEnd);
      if (!r.ok) {
        tls.on("error", () => undefined);
        tls.destroy();
        raw.destroy();
      }
      done(r);
    };
    const fail = (msg: string): void => finish({ ok: false, error: new MizzenError("MIZZEN_ERR_TLS_HANDSHAKE", msg) });
    const onError = (e: Error): void => fail(`TLS handshake failed: ${e.message}`);
    const timer = setTimeout(() => fail("TLS handshake timed out"), HANDSHAKE_TIMEOUT_MS);
    tls.on("error", onError);
    // A 'readable' listener makes the socket read (buffering, not dropping, early application
    // data), so a client that closes mid-handshake is noticed at once.
    const onReadable = (): void => undefined;
    const onEnd = (): void => fail("client closed during the TLS handshake");
    tls.on("readable", onReadable);
    tls.once("end", onEnd);
    tls.once("secure", () => {
      // A tls.Server clears this once the handshake is done; a hand-wrapped server socket keeps it
      // set forever, and node:http2 then waits for a 'secureConnect' that never comes (h2 hangs).
      (tls as TLSSocket & { secureConnecting: boolean }).secureConnecting = false;
      const cert = tls.getPeerCertificate();
      const hasCert = cert !== null && typeof cert === "object" && Object.keys(cert).length > 0;
      if (this.requireClientCert && !hasCert) return fail("client certificate required but not presented");
      const verifyError = hasCert ? peerVerifyError(tls) : null;
      if (verifyError !== null) return fail(`client certificate rejected: ${verifyError}`);
      const sans = hasCert ? parseSubjectAltNames(cert.subjectaltname) : [];
      if (hasCert && !sansMatch(snapshot.validation, sans)) return fail("client certificate subject alt names do not match");
      const sni = (tls as TLSSocket & { servername?: string | false }).servername;
      const proto = tls.alpnProtocol;
      finish({
        ok: true,
        socket: tls,
        info: {
          ...(typeof sni === "string" && sni !== "" ? { sni } : {}),
          ...(typeof proto === "string" && proto !== "" ? { alpn: proto } : {}),
          peerUriSans: sans.filter((s) => s.type === "URI").map((s) => s.value),
          get localUriSans(): readonly string[] {
            const own = localUriSans(tls);
            Object.defineProperty(this, "localUriSans", { value: own });
            return own;
          },
        },
      });
    });
  }
}
