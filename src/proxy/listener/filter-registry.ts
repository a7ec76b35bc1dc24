// Network filter factories keyed by type URL (HCM from the HTTP part, tcp_proxy, RBAC, metadata
// exchange), and the process-wide choice of when heavy extension code is loaded.
import type { NetworkFilterFactory } from "../contracts.js";

let onDemand = false;

/**
 * Heavy extensions (HTTP filters such as jwt_authn and ext_authz) then load only when a
 * configuration names them, and whoever compiles configurations awaits them first (the proxy
 * server does, see server/extension-loader.ts). Called by `mizzen proxy` before it imports the
 * HTTP stack; other processes and tests get every extension when its registry is imported.
 */
export function loadExtensionsOnDemand(): void {
  onDemand = true;
}

export function extensionsOnDemand(): boolean {
  return onDemand;
}

export class NetworkFilterRegistry {
  private readonly factories = new Map<string, NetworkFilterFactory>();

  register(factory: NetworkFilterFactory): void {
    this.factories.set(factory.typeUrl, factory);
  }

  get(typeUrl: string): NetworkFilterFactory | undefined {
    return this.factories.get(typeUrl);
  }

  typeUrls(): string[] {
    return [...this.factories.keys()];
  }
}
