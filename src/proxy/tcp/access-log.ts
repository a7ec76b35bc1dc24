// TCP access-log records and the file sinks of FileAccessLog (Envoy's default text format).
import { createWriteStream, type WriteStream } from "node:fs";
import type { EnvoyJson, ResponseFlag } from "../contracts.js";
import { invalid, optObject, optString, typeUrlOf } from "../listener/envoy-fields.js";
import type { PeerExchange } from "./peer-exchange.js";

const FILE_LOG = "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog";
const STDOUT_LOG = "type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog";
const STDERR_LOG = "type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StderrAccessLog";

export class TcpConnectionRecord {
  startTime = Date.now();
  durationMs = 0;
  flags: ResponseFlag[] = [];
  bytesReceived = 0;
  bytesSent = 0;
  cluster = "";
  upstreamHost = "";
  downstreamRemoteAddress = "";
  downstreamLocalAddress = "";
  statPrefix = "";
  /** The downstream's SPIFFE id when the listener terminated mTLS; "" otherwise. */
  peerPrincipal = "";
  /** Set by the metadata exchange filter; holds the peer's metadata once exchanged. */
  peerExchange: PeerExchange | null = null;
  /**
   * True while the connection is established and not yet closed. The TCP proxy hands the record
   * to observers (onTcpConnection) once then, with open true, and once when the connection
   * closes (open false); a connection that fails before it is established is seen once, closed.
   */
  open = false;
  /** Set by the observer that counted the connection as opened. */
  openReported = false;

  addFlag(f: ResponseFlag): void {
    if (!this.flags.includes(f)) this.flags.push(f);
  }

  flagString(): string {
    return this.flags.length === 0 ? "-" : this.flags.join(",");
  }

  /** Envoy's default format, with "- - -" for the (absent) request line. */
  format(): string {
    return `[${new Date(this.startTime).toISOString()}] "- - -" 0 ${this.flagString()} ${this.bytesReceived} ${this.bytesSent} ${this.durationMs} - "-" "-" "-" "-" "${this.upstreamHost || "-"}" ${this.cluster || "-"} ${this.downstreamLocalAddress || "-"} ${this.downstreamRemoteAddress || "-"}`;
  }
}

export interface AccessLogSink {
  write(record: TcpConnectionRecord): void;
}

const files = new Map<string, WriteStream>();

function fileSink(path: string): AccessLogSink {
  if (path === "/dev/stdout") return { write: (r) => process.stdout.write(r.format() + "\n") };
  if (path === "/dev/stderr") return { write: (r) => process.stderr.write(r.format() + "\n") };
  return {
    write: (r) => {
      let s = files.get(path);
      if (!s) {
        s = createWriteStream(path, { flags: "a" });
        s.on("error", () => undefined); // an unwritable log never takes the proxy down
        files.set(path, s);
      }
      s.write(r.format() + "\n");
    },
  };
}

export function compileAccessLogs(list: EnvoyJson[], field: string): AccessLogSink[] {
  return list.map((l, i) => {
    const f = `${field}[${i}]`;
    const tc = optObject(l, "typed_config", f);
    if (!tc) throw invalid(`${f}.typed_config`, "is required");
    const t = typeUrlOf(tc, `${f}.typed_config`);
    if (t === STDOUT_LOG) return fileSink("/dev/stdout");
    if (t === STDERR_LOG) return fileSink("/dev/stderr");
    if (t === FILE_LOG) return fileSink(optString(tc, "path", `${f}.typed_config`) ?? "/dev/stdout");
    throw invalid(`${f}.typed_config.@type`, `unsupported access logger "${t}"`);
  });
}
