// Network filter factories keyed by type URL (HCM from the HTTP part, tcp_proxy, later RBAC).
import type { NetworkFilterFactory } from "../contracts.js";

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
