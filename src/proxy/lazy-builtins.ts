// Node modules that only some configurations use (TLS, HTTP/2, DNS names, child processes),
// loaded on first use. A proxy with plaintext HTTP/1.1 listeners and static endpoints then never
// loads them: together they hold about 2 MB of resident memory (their code, OpenSSL's TLS state,
// nghttp2) and add to startup time.
import { createRequire } from "node:module";

type Tls = typeof import("node:tls");
type Http2 = typeof import("node:http2");
type Https = typeof import("node:https");
type Dns = typeof import("node:dns");
type ChildProcess = typeof import("node:child_process");

const load = createRequire(import.meta.url);
let tls: Tls | undefined;
let http2: Http2 | undefined;
let https: Https | undefined;
let dns: Dns | undefined;
let childProcess: ChildProcess | undefined;

export const nodeTls = (): Tls => (tls ??= load("node:tls") as Tls);
export const nodeHttp2 = (): Http2 => (http2 ??= load("node:http2") as Http2);
export const nodeHttps = (): Https => (https ??= load("node:https") as Https);
export const nodeDns = (): Dns => (dns ??= load("node:dns") as Dns);
export const nodeChildProcess = (): ChildProcess => (childProcess ??= load("node:child_process") as ChildProcess);

/** node:http2's codes used when resetting streams (its `constants`, without loading the module). */
export const H2_CANCEL = 0x8;
export const H2_REFUSED_STREAM = 0x7;
export const H2_FLAG_END_STREAM = 0x1;
