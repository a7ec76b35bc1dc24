// gRPC channel credentials that verify the server against the agent's current trust bundle, read
// at every (re)connect: after a root rotation the ADS channel to the control plane (15012) must trust
// the new root, and a SecureContext fixed at start would not. Built on grpc-js's CertificateProvider.
import * as grpc from "@grpc/grpc-js";

type CaListener = grpc.experimental.CaCertificateUpdateListener;
type IdentityListener = grpc.experimental.IdentityCertificateUpdateListener;

/** Holds the trust bundle and tells grpc-js when it changes; the channel builds each TLS context from the latest. */
export class TrustBundleProvider implements grpc.experimental.CertificateProvider {
  private latest: Buffer;
  private readonly listeners = new Set<CaListener>();

  constructor(roots: readonly string[]) {
    this.latest = Buffer.from(roots.join(""));
  }

  update(roots: readonly string[]): void {
    const next = Buffer.from(roots.join(""));
    if (next.equals(this.latest)) return;
    this.latest = next;
    for (const l of this.listeners) l({ caCertificate: next });
  }

  addCaCertificateListener(listener: CaListener): void {
    this.listeners.add(listener);
    const now = this.latest;
    process.nextTick(() => listener({ caCertificate: now }));
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.listeners.delete(listener);
  }

  // No identity certificate: the channel authenticates with call credentials (the pod's token).
  addIdentityCertificateListener(_listener: IdentityListener): void {}

  removeIdentityCertificateListener(_listener: IdentityListener): void {}
}

/** TLS channel credentials whose roots follow `provider`. */
export function trustBundleChannelCredentials(provider: TrustBundleProvider, verify: grpc.VerifyOptions = {}): grpc.ChannelCredentials {
  return grpc.experimental.createCertificateProviderChannelCredentials(provider, null, verify);
}
