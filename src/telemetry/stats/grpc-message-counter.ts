// Counts gRPC messages as body bytes stream through, as Istio's stats filter does for
// istio_request_messages_total / istio_response_messages_total: each message is a 5-byte header
// (compressed flag, big-endian uint32 length) and that many payload bytes. A tiny state machine
// per direction; nothing is copied and payload bytes are skipped in one step per chunk.
import type { HttpBodyObserver } from "../../proxy/http/request-record.js";

/** One direction of a gRPC stream. */
export class GrpcFrameCounter {
  /** Messages whose header has started. */
  messages = 0;
  /** Header bytes seen of the current message header (0 = at a message boundary). */
  private headerRead = 0;
  private length = 0;
  /** Payload bytes of the current message not yet seen. */
  private payloadLeft = 0;

  feed(chunk: Uint8Array): void {
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      if (this.payloadLeft > 0) {
        const take = Math.min(this.payloadLeft, n - i);
        this.payloadLeft -= take;
        i += take;
        continue;
      }
      if (this.headerRead === 0) this.messages++;
      // Byte 0 is the compressed flag; bytes 1..4 the length, most significant first.
      else this.length = this.length * 256 + (chunk[i] as number);
      i++;
      if (++this.headerRead === 5) {
        this.payloadLeft = this.length;
        this.headerRead = 0;
        this.length = 0;
      }
    }
  }
}

/** Both directions of one gRPC request; set as the request record's body observer. */
export class GrpcMessageCounter implements HttpBodyObserver {
  readonly request = new GrpcFrameCounter();
  readonly response = new GrpcFrameCounter();

  onRequestData(chunk: Uint8Array): void {
    this.request.feed(chunk);
  }

  onResponseData(chunk: Uint8Array): void {
    this.response.feed(chunk);
  }
}
