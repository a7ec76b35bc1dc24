// ADS on the secure port: every stream must prove a workload identity first (the same credentials
// the CSR service accepts: a pod's bootstrap token or a Kubernetes service-account JWT as
// `authorization: Bearer …`), as istiod authenticates XDS on 15012. Unauthenticated streams end
// with UNAUTHENTICATED before any resource is generated for them.
import * as grpc from "@grpc/grpc-js";
import type { AuthenticatorRegistry, Caller } from "../../ca/index.js";
import { errorMessage, isMizzenError } from "../../errors.js";
import type { AdsServer } from "../../xds/index.js";

export interface AdsAuthEvent {
  readonly ok: boolean;
  readonly peer: string;
  readonly identity?: string;
  readonly code?: string;
}

function metadataMap(md: grpc.Metadata): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const key of Object.keys(md.getMap())) {
    out.set(key.toLowerCase(), md.get(key).map((v) => (typeof v === "string" ? v : v.toString("utf8"))));
  }
  return out;
}

type StreamHandler = (call: grpc.ServerDuplexStream<unknown, unknown>) => void;

function guard(handler: StreamHandler, authenticators: AuthenticatorRegistry, onEvent: (e: AdsAuthEvent) => void): StreamHandler {
  return (call) => {
    const peer = call.getPeer();
    const refuse = (code: string, message: string): void => {
      onEvent({ ok: false, peer, code });
      call.emit("error", { code: grpc.status.UNAUTHENTICATED, details: `${code}: ${message}` });
    };
    authenticators.authenticate({ metadata: metadataMap(call.metadata), peer }).then(
      (caller: Caller) => {
        if (call.cancelled) return;
        onEvent({ ok: true, peer, identity: `${caller.namespace}/${caller.serviceAccount}` });
        handler(call);
      },
      (e: unknown) => refuse(isMizzenError(e) ? e.code : "MIZZEN_ERR_AUTHN_FAILED", errorMessage(e)),
    );
  };
}

/** Registers `ads` on `server` with every stream authenticated first. */
export function addAuthenticatedAds(server: grpc.Server, ads: AdsServer, authenticators: AuthenticatorRegistry, onEvent: (e: AdsAuthEvent) => void = () => undefined): void {
  const shim = {
    addService(def: grpc.ServiceDefinition, impl: Record<string, StreamHandler>): void {
      const wrapped: grpc.UntypedServiceImplementation = {};
      for (const [name, h] of Object.entries(impl)) wrapped[name] = guard(h, authenticators, onEvent);
      server.addService(def, wrapped);
    },
  };
  ads.addTo(shim as unknown as grpc.Server);
}
