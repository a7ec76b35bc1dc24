// gRPC server credentials whose key and cert can be replaced while serving: grpc-js watches
// ServerCredentials and calls setSecureContext on its TLS server, so new handshakes use the new
// cert and open connections are kept (used when the CA starts signing under a new root).
import * as grpc from "@grpc/grpc-js";

export interface ServingKeyPair {
  readonly keyPem: string;
  readonly certChainPem: string;
}

export class RotatingServerCredentials extends grpc.ServerCredentials {
  constructor(initial: ServingKeyPair) {
    super({ requestCert: false }, { cert: [Buffer.from(initial.certChainPem)], key: [Buffer.from(initial.keyPem)] });
  }

  update(next: ServingKeyPair): void {
    this.updateSecureContextOptions({ cert: [Buffer.from(next.certChainPem)], key: [Buffer.from(next.keyPem)] });
  }

  override _equals(other: grpc.ServerCredentials): boolean {
    return other === this;
  }
}
