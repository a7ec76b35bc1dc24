// Serialises the heads the proxy forwards: the request head to the upstream (hop-by-hop fields
// dropped, proxy fields added) and, when something must change, the response head downstream.
import type { HeaderList } from "../header-list.js";
import type { ResponseHead } from "./response-head.js";
import { reasonPhrase } from "../local-reply.js";

export interface RequestHeadExtras {
  method: string;
  path: string;
  host: string;
  /** "" = keep. */
  upgrade: string;
  /** Appended to x-forwarded-for (use_remote_address), "" = leave as is. */
  forwardedFor: string;
  /** Added when the request has no x-request-id, "" = none. */
  requestId: string;
  forwardedProto: string;
}

/** The request head for the upstream, as a latin1 string. */
export function upstreamRequestHead(h: HeaderList, x: RequestHeadExtras): string {
  let s = `${x.method} ${x.path} HTTP/1.1\r\nhost: ${x.host}\r\n`;
  const names = h.names;
  const values = h.values;
  let sawXff = false;
  let sawProto = false;
  for (let i = 0; i < names.length; i++) {
    const n = names[i] as string;
    switch (n) {
      case "host": case "connection": case "keep-alive": case "proxy-connection": case "upgrade":
        continue;
      case "te":
        if ((values[i] as string).toLowerCase() !== "trailers") continue;
        break;
      case "x-forwarded-for":
        if (x.forwardedFor !== "" && !sawXff) { sawXff = true; s += `x-forwarded-for: ${values[i] as string}, ${x.forwardedFor}\r\n`; continue; }
        break;
      case "x-forwarded-proto":
        sawProto = true;
        break;
    }
    s += `${n}: ${values[i] as string}\r\n`;
  }
  if (x.forwardedFor !== "" && !sawXff) s += `x-forwarded-for: ${x.forwardedFor}\r\n`;
  if (!sawProto) s += `x-forwarded-proto: ${x.forwardedProto}\r\n`;
  if (x.requestId !== "") s += `x-request-id: ${x.requestId}\r\n`;
  if (x.upgrade !== "") s += `connection: upgrade\r\nupgrade: ${x.upgrade}\r\n`;
  return `${s}\r\n`;
}

/** The response head for the client after changes (hop-by-hop removed, server name, close). */
export function downstreamResponseHead(r: ResponseHead, serverName: string, close: boolean, keepAlive10: boolean): string {
  let s = `HTTP/1.1 ${r.status} ${reasonPhrase(r.status)}\r\n`;
  const names = r.headers.names;
  const values = r.headers.values;
  for (let i = 0; i < names.length; i++) {
    const n = names[i] as string;
    if (n === "connection" || n === "keep-alive" || n === "proxy-connection") {
      if (r.status !== 101) continue;
    }
    if (n === "server" && serverName !== "") continue;
    s += `${n}: ${values[i] as string}\r\n`;
  }
  if (serverName !== "") s += `server: ${serverName}\r\n`;
  if (close && r.status !== 101) s += "connection: close\r\n";
  else if (keepAlive10) s += "connection: keep-alive\r\n";
  return `${s}\r\n`;
}
