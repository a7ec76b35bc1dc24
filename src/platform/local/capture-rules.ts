// The nat rules of REDIRECT capture (Istio's istio-iptables, with MIZZEN_* chains): outbound TCP
// to the proxy's 15001, inbound TCP to 15006, the proxy's own uid/gid excluded, traffic from
// 127.0.0.6 (the proxy's inbound passthrough source) excluded, some inbound ports excluded, and
// DNS (UDP and TCP 53) to the agent's DNS proxy on 15053 for everyone but the proxy.
// Pure: options in, iptables-restore text out; applying it is capture-apply.ts's job.
import { MizzenError } from "../../errors.js";

export interface CaptureOptions {
  /** Outbound capture port (-p, default 15001). */
  proxyPort: number;
  /** Inbound capture port (-z, default 15006). */
  inboundPort: number;
  /** The proxy's uids (-u, default 1337) and gids (-g, default the uids). */
  proxyUids: number[];
  proxyGids: number[];
  /** Inbound ports to capture: "*" or a list (-b). */
  inboundPorts: "*" | number[];
  /** Inbound ports never captured (-d), e.g. 15090,15021,15020. */
  excludeInboundPorts: number[];
  /** Outbound CIDRs to capture: "*" or a list (-i). */
  outboundCidrs: "*" | string[];
  /** Outbound CIDRs never captured (-x). */
  excludeOutboundCidrs: string[];
  /** Outbound ports never captured (-o). */
  excludeOutboundPorts: number[];
  /** Send DNS to the DNS proxy (default true) on this port (default 15053). */
  captureDns: boolean;
  dnsPort: number;
}

export const DEFAULT_CAPTURE: CaptureOptions = {
  proxyPort: 15001,
  inboundPort: 15006,
  proxyUids: [1337],
  proxyGids: [1337],
  inboundPorts: "*",
  excludeInboundPorts: [15090, 15021, 15020],
  outboundCidrs: "*",
  excludeOutboundCidrs: [],
  excludeOutboundPorts: [],
  captureDns: true,
  dnsPort: 15053,
};

/** The chains Mizzen owns in the nat table (Istio's ISTIO_* counterparts). */
export const CAPTURE_CHAINS = ["MIZZEN_INBOUND", "MIZZEN_IN_REDIRECT", "MIZZEN_OUTPUT", "MIZZEN_REDIRECT"] as const;
/** Rules Mizzen adds to built-in chains carry this comment, so cleanup finds exactly them. */
export const CAPTURE_COMMENT = "mizzen-capture";

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(\/(\d{1,2}))?$/;

export function validCidr(s: string): boolean {
  const m = CIDR.exec(s);
  if (!m) return false;
  const octets = [m[1], m[2], m[3], m[4]].map(Number);
  return octets.every((o) => o <= 255) && (m[6] === undefined || Number(m[6]) <= 32);
}

function check(opts: CaptureOptions): void {
  const ports = [opts.proxyPort, opts.inboundPort, opts.dnsPort, ...opts.excludeInboundPorts, ...opts.excludeOutboundPorts, ...(opts.inboundPorts === "*" ? [] : opts.inboundPorts)];
  const badPort = ports.find((p) => !Number.isInteger(p) || p < 1 || p > 65535);
  if (badPort !== undefined) throw new MizzenError("MIZZEN_ERR_CAPTURE_PORT", `capture: port ${badPort} is not 1..65535`);
  const ids = [...opts.proxyUids, ...opts.proxyGids];
  if (ids.some((u) => !Number.isInteger(u) || u < 0)) throw new MizzenError("MIZZEN_ERR_CAPTURE_UID", `capture: uids and gids must be non-negative integers`);
  const cidrs = [...opts.excludeOutboundCidrs, ...(opts.outboundCidrs === "*" ? [] : opts.outboundCidrs)];
  const badCidr = cidrs.find((c) => !validCidr(c));
  if (badCidr !== undefined) throw new MizzenError("MIZZEN_ERR_CAPTURE_CIDR", `capture: "${badCidr}" is not an IPv4 address or CIDR`);
}

const tag = `-m comment --comment ${CAPTURE_COMMENT}`;

/** The rules as iptables-restore input for the nat table (applied with --noflush). */
export function captureRestoreScript(opts: CaptureOptions): string {
  check(opts);
  const lines: string[] = ["*nat", ...CAPTURE_CHAINS.map((c) => `:${c} - [0:0]`)];
  const add = (rule: string): void => { lines.push(`-A ${rule}`); };

  add(`MIZZEN_REDIRECT -p tcp -j REDIRECT --to-ports ${opts.proxyPort}`);
  add(`MIZZEN_IN_REDIRECT -p tcp -j REDIRECT --to-ports ${opts.inboundPort}`);

  // Inbound: PREROUTING → MIZZEN_INBOUND.
  if (opts.inboundPorts === "*" || opts.inboundPorts.length > 0) {
    add(`PREROUTING -p tcp ${tag} -j MIZZEN_INBOUND`);
    if (opts.inboundPorts === "*") {
      for (const p of opts.excludeInboundPorts) add(`MIZZEN_INBOUND -p tcp --dport ${p} -j RETURN`);
      add(`MIZZEN_INBOUND -p tcp -j MIZZEN_IN_REDIRECT`);
    } else {
      for (const p of opts.inboundPorts) if (!opts.excludeInboundPorts.includes(p)) add(`MIZZEN_INBOUND -p tcp --dport ${p} -j MIZZEN_IN_REDIRECT`);
    }
  }

  // Outbound: OUTPUT → MIZZEN_OUTPUT.
  add(`OUTPUT -p tcp ${tag} -j MIZZEN_OUTPUT`);
  for (const p of opts.excludeOutboundPorts) add(`MIZZEN_OUTPUT -p tcp --dport ${p} -j RETURN`);
  // The proxy's inbound passthrough dials the app from 127.0.0.6: never captured again.
  add(`MIZZEN_OUTPUT -s 127.0.0.6/32 -o lo -j RETURN`);
  // The proxy calling its own pod's address through lo goes to inbound (Istio's hairpin rule).
  for (const u of opts.proxyUids) add(`MIZZEN_OUTPUT ! -d 127.0.0.1/32 -o lo -p tcp -m owner --uid-owner ${u} -j MIZZEN_IN_REDIRECT`);
  if (opts.captureDns) {
    for (const u of opts.proxyUids) add(`MIZZEN_OUTPUT -p tcp --dport 53 -m owner --uid-owner ${u} -j RETURN`);
    for (const g of opts.proxyGids) add(`MIZZEN_OUTPUT -p tcp --dport 53 -m owner --gid-owner ${g} -j RETURN`);
    add(`MIZZEN_OUTPUT -p tcp --dport 53 -j REDIRECT --to-ports ${opts.dnsPort}`);
  }
  for (const u of opts.proxyUids) {
    add(`MIZZEN_OUTPUT -o lo -m owner ! --uid-owner ${u} -j RETURN`);
    add(`MIZZEN_OUTPUT -m owner --uid-owner ${u} -j RETURN`);
  }
  for (const g of opts.proxyGids) add(`MIZZEN_OUTPUT -m owner --gid-owner ${g} -j RETURN`);
  add(`MIZZEN_OUTPUT -d 127.0.0.1/32 -j RETURN`);
  for (const c of opts.excludeOutboundCidrs) add(`MIZZEN_OUTPUT -d ${c} -j RETURN`);
  if (opts.outboundCidrs === "*") add(`MIZZEN_OUTPUT -j MIZZEN_REDIRECT`);
  else for (const c of opts.outboundCidrs) add(`MIZZEN_OUTPUT -d ${c} -j MIZZEN_REDIRECT`);

  // DNS over UDP, straight from OUTPUT (as Istio): everyone but the proxy goes to the DNS proxy.
  if (opts.captureDns) {
    for (const u of opts.proxyUids) add(`OUTPUT -p udp --dport 53 -m owner --uid-owner ${u} ${tag} -j RETURN`);
    for (const g of opts.proxyGids) add(`OUTPUT -p udp --dport 53 -m owner --gid-owner ${g} ${tag} -j RETURN`);
    add(`OUTPUT -p udp --dport 53 ${tag} -j REDIRECT --to-ports ${opts.dnsPort}`);
  }
  lines.push("COMMIT", "");
  return lines.join("\n");
}

/**
 * From `iptables-save -t nat` output, the `-D` arguments that remove Mizzen's rules from built-in
 * chains (the tagged ones), for cleanup.
 */
export function taggedRuleDeletions(saved: string): string[][] {
  const out: string[][] = [];
  for (const line of saved.split("\n")) {
    if (!line.startsWith("-A ") || !line.includes(CAPTURE_COMMENT)) continue;
    const chain = line.split(" ")[1] ?? "";
    if ((CAPTURE_CHAINS as readonly string[]).includes(chain)) continue;
    out.push(["-t", "nat", "-D", ...splitRule(line.slice(3))]);
  }
  return out;
}

/** Splits an iptables-save rule into arguments, honouring double quotes. */
function splitRule(rule: string): string[] {
  const args: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(rule); m; m = re.exec(rule)) args.push(m[1] !== undefined ? m[1] : (m[2] as string));
  return args;
}
