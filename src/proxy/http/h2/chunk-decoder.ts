// Decodes an HTTP/1.1 chunked body (already validated by the downstream's ChunkedFraming) into
// its payload bytes, across arbitrary read boundaries. Chunk extensions and trailers are dropped.

const S_SIZE = 0, S_SIZE_LINE = 1, S_DATA = 2, S_DATA_END = 3, S_TRAILERS = 4, S_DONE = 5;

export class ChunkDecoder {
  private state = S_SIZE;
  private size = 0;
  /** Consecutive line-end bytes seen in the trailer section ("\r\n\r\n" ends it). */
  private trailerRun = 0;

  get done(): boolean {
    return this.state === S_DONE;
  }

  /** The payload bytes in `b` (possibly empty). */
  decode(b: Buffer): Buffer {
    const out: Buffer[] = [];
    let i = 0;
    while (i < b.length && this.state !== S_DONE) {
      const c = b[i] as number;
      switch (this.state) {
        case S_SIZE: {
          const v = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
          if (v >= 0) { this.size = this.size * 16 + v; i++; } else this.state = S_SIZE_LINE;
          break;
        }
        case S_SIZE_LINE:
          i++;
          if (c === 10) {
            if (this.size === 0) { this.state = S_TRAILERS; this.trailerRun = 2; } else this.state = S_DATA;
          }
          break;
        case S_DATA: {
          const n = Math.min(this.size, b.length - i);
          out.push(b.subarray(i, i + n));
          i += n;
          this.size -= n;
          if (this.size === 0) this.state = S_DATA_END;
          break;
        }
        case S_DATA_END:
          i++;
          if (c === 10) this.state = S_SIZE;
          break;
        case S_TRAILERS:
          i++;
          this.trailerRun = c === 13 || c === 10 ? this.trailerRun + 1 : 0;
          if (this.trailerRun >= 4) this.state = S_DONE;
          break;
      }
    }
    return out.length === 1 ? out[0] as Buffer : Buffer.concat(out);
  }
}
