// Follows the frames a server session writes (RFC 9113 §4.1: a 9-byte header, then the payload)
// to see when it sends a GOAWAY with an error code: the session has then ended the connection
// (preread-socket.ts closes it). Only headers are read; payloads are skipped, except the first
// 8 bytes of a GOAWAY (last stream id, error code).
const FRAME_HEADER = 9;
const GOAWAY = 7;
const GOAWAY_FIXED = 8;

export class GoawayWatch {
  /** Payload bytes of the current frame still to pass. */
  private skip = 0;
  /** A frame header, and for a GOAWAY its fixed payload, as far as it has arrived. */
  private readonly head = new Uint8Array(FRAME_HEADER + GOAWAY_FIXED);
  private have = 0;
  private want = FRAME_HEADER;

  /** Takes the next bytes written; true when they finish a GOAWAY whose error code is not NO_ERROR. */
  sawErrorIn(chunk: Uint8Array): boolean {
    let saw = false;
    let i = 0;
    const h = this.head;
    while (i < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - i);
        this.skip -= n;
        i += n;
        continue;
      }
      const n = Math.min(this.want - this.have, chunk.length - i);
      h.set(chunk.subarray(i, i + n), this.have);
      this.have += n;
      i += n;
      if (this.have < this.want) break;
      const length = ((h[0] as number) << 16) | ((h[1] as number) << 8) | (h[2] as number);
      if (this.want === FRAME_HEADER && h[3] === GOAWAY && length >= GOAWAY_FIXED) {
        this.want = FRAME_HEADER + GOAWAY_FIXED;
        continue;
      }
      if (this.want === FRAME_HEADER + GOAWAY_FIXED) {
        const code = (((h[13] as number) << 24) | ((h[14] as number) << 16) | ((h[15] as number) << 8) | (h[16] as number)) >>> 0;
        if (code !== 0) saw = true;
        this.skip = length - GOAWAY_FIXED;
      } else this.skip = length;
      this.have = 0;
      this.want = FRAME_HEADER;
    }
    return saw;
  }
}
