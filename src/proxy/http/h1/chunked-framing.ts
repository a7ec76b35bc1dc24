// Tracks HTTP/1.1 chunked framing (RFC 9112 §7.1) over raw bytes without decoding them, so the
// proxy knows where a body ends while forwarding it untouched. Strict: bad sizes, bare LF,
// oversized chunk-size lines and trailers, and trailer lines that are not `name: value` (they go
// on as they came) are errors (request smuggling defence).
import { isFieldValueByte, isTokenByte } from "./head-syntax.js";

const S_SIZE = 0, S_EXT = 1, S_SIZE_LF = 2, S_DATA = 3, S_DATA_CR = 4, S_DATA_LF = 5;
const S_TRAILER_START = 6, S_TRAILER = 7, S_TRAILER_LF = 8, S_END_LF = 9, S_DONE = 10, S_TRAILER_NAME = 11;

export const CHUNKED_NEED_MORE = -1;
export const CHUNKED_ERROR = -2;

const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) { HEX[65 + i] = 10 + i; HEX[97 + i] = 10 + i; }

const MAX_SIZE_DIGITS = 15;
const MAX_LINE = 4096;

export class ChunkedFraming {
  private state = S_SIZE;
  private size = 0;
  private digits = 0;
  private lineLen = 0;
  /** Body bytes (chunk payload) seen, for byte counters. */
  payloadBytes = 0;

  reset(): void {
    this.state = S_SIZE;
    this.size = 0;
    this.digits = 0;
    this.lineLen = 0;
    this.payloadBytes = 0;
  }

  get done(): boolean {
    return this.state === S_DONE;
  }

  /** Consumes buf[start..end): the index just past the body's last byte, NEED_MORE, or ERROR. */
  feed(buf: Uint8Array, start: number, end: number): number {
    let i = start;
    while (i < end) {
      const c = buf[i] as number;
      switch (this.state) {
        case S_SIZE: {
          const h = HEX[c] as number;
          if (h >= 0) {
            if (++this.digits > MAX_SIZE_DIGITS) return CHUNKED_ERROR;
            this.size = this.size * 16 + h;
            i++;
            break;
          }
          if (this.digits === 0) return CHUNKED_ERROR;
          if (c === 13) { this.state = S_SIZE_LF; i++; break; }
          if (c === 59 /* ; */ || c === 32 || c === 9) { this.state = S_EXT; this.lineLen = 0; i++; break; }
          return CHUNKED_ERROR;
        }
        case S_EXT:
          if (c === 13) this.state = S_SIZE_LF;
          else if (c === 10 || ++this.lineLen > MAX_LINE) return CHUNKED_ERROR;
          i++;
          break;
        case S_SIZE_LF:
          if (c !== 10) return CHUNKED_ERROR;
          i++;
          this.digits = 0;
          if (this.size === 0) { this.state = S_TRAILER_START; break; }
          this.state = S_DATA;
          break;
        case S_DATA: {
          const n = Math.min(this.size, end - i);
          i += n;
          this.size -= n;
          this.payloadBytes += n;
          if (this.size === 0) this.state = S_DATA_CR;
          break;
        }
        case S_DATA_CR:
          if (c !== 13) return CHUNKED_ERROR;
          this.state = S_DATA_LF;
          i++;
          break;
        case S_DATA_LF:
          if (c !== 10) return CHUNKED_ERROR;
          this.state = S_SIZE;
          i++;
          break;
        case S_TRAILER_START:
          if (c === 13) { this.state = S_END_LF; i++; break; }
          this.state = S_TRAILER_NAME;
          this.lineLen = 0;
          break;
        case S_TRAILER_NAME: // a field name (tchars), then the colon
          if (c === 58 && this.lineLen > 0) this.state = S_TRAILER;
          else if (!isTokenByte(c)) return CHUNKED_ERROR;
          if (++this.lineLen > MAX_LINE) return CHUNKED_ERROR;
          i++;
          break;
        case S_TRAILER: // the field value, up to CR
          if (c === 13) this.state = S_TRAILER_LF;
          else if (!isFieldValueByte(c) || ++this.lineLen > MAX_LINE) return CHUNKED_ERROR;
          i++;
          break;
        case S_TRAILER_LF:
          if (c !== 10) return CHUNKED_ERROR;
          this.state = S_TRAILER_START;
          i++;
          break;
        case S_END_LF:
          if (c !== 10) return CHUNKED_ERROR;
          this.state = S_DONE;
          return i + 1;
        default:
          return CHUNKED_ERROR;
      }
    }
    return CHUNKED_NEED_MORE;
  }
}
