// ACK/NACK tracking per proxy stream and type: what was sent, what was acknowledged, the last NACK.

export type SyncStatus = "SYNCED" | "NOT SENT" | "STALE";

export interface NackRecord {
  readonly nonce: string;
  /** The version the NACKed response carried. */
  readonly version: string;
  readonly message: string;
  readonly at: Date;
}

export class TypeTracking {
  sentVersion = "";
  sentNonce = "";
  sentAt: Date | undefined;
  ackedVersion = "";
  ackedNonce = "";
  ackedAt: Date | undefined;
  /** Kept after later ACKs so proxy-status can still show why the last rejection happened. */
  lastNack: NackRecord | undefined;
  /** nonce → version, for responses not yet answered (bounded to the few in flight). */
  private readonly inFlight = new Map<string, string>();

  recordSent(version: string, nonce: string): void {
    this.sentVersion = version;
    this.sentNonce = nonce;
    this.sentAt = new Date();
    this.inFlight.set(nonce, version);
    if (this.inFlight.size > 16) {
      const oldest = this.inFlight.keys().next().value;
      if (oldest !== undefined) this.inFlight.delete(oldest);
    }
  }

  /** Whether the nonce is the latest sent (older ones are stale and ignored, per the xDS spec). */
  isCurrent(nonce: string): boolean {
    return nonce !== "" && nonce === this.sentNonce;
  }

  recordAck(nonce: string, version: string): void {
    this.ackedNonce = nonce;
    this.ackedVersion = version || (this.inFlight.get(nonce) ?? "");
    this.ackedAt = new Date();
    this.inFlight.delete(nonce);
  }

  recordNack(nonce: string, message: string): void {
    this.lastNack = { nonce, version: this.inFlight.get(nonce) ?? "", message, at: new Date() };
    this.inFlight.delete(nonce);
  }

  get status(): SyncStatus {
    if (this.sentNonce === "") return "NOT SENT";
    return this.ackedNonce === this.sentNonce ? "SYNCED" : "STALE";
  }

  /** True when the latest response was rejected. */
  get nacked(): boolean {
    return this.lastNack !== undefined && this.lastNack.nonce === this.sentNonce;
  }

  snapshot(): TypeTrackingSnapshot {
    return {
      status: this.status,
      sentVersion: this.sentVersion,
      sentNonce: this.sentNonce,
      sentAt: this.sentAt?.toISOString(),
      ackedVersion: this.ackedVersion,
      ackedAt: this.ackedAt?.toISOString(),
      lastNack: this.lastNack ? { ...this.lastNack, at: this.lastNack.at.toISOString() } : undefined,
    };
  }
}

export interface TypeTrackingSnapshot {
  status: SyncStatus;
  sentVersion: string;
  sentNonce: string;
  sentAt: string | undefined;
  ackedVersion: string;
  ackedAt: string | undefined;
  lastNack: { nonce: string; version: string; message: string; at: string } | undefined;
}
