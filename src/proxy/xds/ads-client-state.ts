import type { EnvoyJson } from "../contracts.js";

// What the ADS client knows per resource type: its subscription, accepted version and resources,
// and the last update/error, exposed for the admin API's config_dump.

export class ClientTypeState {
  /** LDS and CDS are wildcard; EDS/RDS/SDS follow the names the caller sets. */
  wildcard: boolean;
  names = new Set<string>();
  /** Last accepted version (SotW version_info / delta system_version_info). */
  version = "";
  nonce = "";
  /** Accepted resources: name → version. */
  readonly resources = new Map<string, string>();
  /** Accepted resources in Envoy JSON, for config_dump. */
  readonly accepted = new Map<string, { version: string; resource: EnvoyJson; updatedAt: Date }>();
  lastUpdated: Date | undefined;
  lastError: { message: string; at: Date } | undefined;

  constructor(wildcard: boolean) {
    this.wildcard = wildcard;
  }

  /** A non-wildcard type with no names has nothing to ask for (an empty SotW list would mean "all"). */
  get wantsRequest(): boolean {
    return this.wildcard || this.names.size > 0;
  }

  snapshot(): ClientTypeSnapshot {
    return {
      version: this.version,
      nonce: this.nonce,
      wildcard: this.wildcard,
      subscribed: [...this.names].sort(),
      resources: Object.fromEntries([...this.resources].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      lastUpdated: this.lastUpdated?.toISOString(),
      lastError: this.lastError ? { message: this.lastError.message, at: this.lastError.at.toISOString() } : undefined,
    };
  }
}

export interface ClientTypeSnapshot {
  version: string;
  nonce: string;
  wildcard: boolean;
  subscribed: string[];
  /** name → version of each accepted resource. */
  resources: Record<string, string>;
  lastUpdated: string | undefined;
  lastError: { message: string; at: string } | undefined;
}

/** Bounded, jittered exponential back-off for reconnects. */
export class Backoff {
  private attempt = 0;
  constructor(private readonly initialMs: number, private readonly maxMs: number) {}

  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.attempt, 20));
    this.attempt += 1;
    return Math.round(base * (0.5 + Math.random() * 0.5));
  }

  reset(): void {
    this.attempt = 0;
  }
}
