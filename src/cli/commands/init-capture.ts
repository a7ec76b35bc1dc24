// `mizzen init-capture`: installs the REDIRECT capture rules in the current network namespace
// (Istio's istio-iptables / pilot-agent istio-iptables, same short flags), or removes them with
// --cleanup. --dry-run prints the iptables-restore input instead. Exit 0 ok, 1 failure, 2 usage.
import { errorMessage } from "../../errors.js";
import { applyCapture, cleanupCapture } from "../../platform/local/capture-apply.js";
import { captureRestoreScript, DEFAULT_CAPTURE, type CaptureOptions } from "../../platform/local/capture-rules.js";
import type { Command } from "../registry.js";

const HELP = `Install the nat rules that send a pod's traffic through its sidecar (REDIRECT mode).

Usage: mizzen init-capture [flags]        (run inside the pod's network namespace, as root)
       mizzen init-capture --cleanup

  -p PORT       outbound capture port (default 15001)
  -z PORT       inbound capture port (default 15006)
  -u UID[,UID]  the proxy's uid(s), never captured (default 1337)
  -g GID[,GID]  the proxy's gid(s) (default: the uids)
  -m MODE       REDIRECT (the only mode supported)
  -i CIDRS      outbound CIDRs to capture, "*" for all (default *)
  -x CIDRS      outbound CIDRs to leave alone
  -b PORTS      inbound ports to capture, "*" for all, "" for none (default *)
  -d PORTS      inbound ports to leave alone (default 15090,15021,15020)
  -o PORTS      outbound ports to leave alone
  --dns-port N  the DNS proxy's port (default 15053)
  --no-redirect-dns   leave DNS alone (default: UDP and TCP 53 go to the DNS proxy)
  --cleanup     remove Mizzen's rules and chains
  --dry-run     print the rules (iptables-restore input) and change nothing`;

type Parsed = { opts: CaptureOptions; cleanup: boolean; dryRun: boolean } | { error: string } | "help";

function ports(flag: string, v: string): number[] | { error: string } {
  if (v.trim() === "") return [];
  const out: number[] = [];
  for (const part of v.split(",")) {
    const n = Number(part.trim());
    if (!/^\d+$/.test(part.trim()) || n < 1 || n > 65535) return { error: `${flag}: "${part}" is not a port 1..65535` };
    out.push(n);
  }
  return out;
}

function ids(flag: string, v: string): number[] | { error: string } {
  const out: number[] = [];
  for (const part of v.split(",")) {
    if (!/^\d+$/.test(part.trim())) return { error: `${flag}: "${part}" is not a numeric id` };
    out.push(Number(part.trim()));
  }
  return out;
}

const cidrs = (v: string): string[] => v.split(",").map((s) => s.trim()).filter((s) => s !== "");

export function parseInitCaptureFlags(args: string[]): Parsed {
  const opts: CaptureOptions = { ...DEFAULT_CAPTURE };
  let gidsSet = false;
  let cleanup = false;
  let dryRun = false;
  for (let i = 0; i < args.length; i++) {
    const raw = args[i] as string;
    const eq = raw.startsWith("--") ? raw.indexOf("=") : -1;
    const flag = eq > 0 ? raw.slice(0, eq) : raw;
    const value = (): string | undefined => (eq > 0 ? raw.slice(eq + 1) : args[++i]);
    if (flag === "-h" || flag === "--help") return "help";
    if (flag === "--cleanup") { cleanup = true; continue; }
    if (flag === "--dry-run") { dryRun = true; continue; }
    if (flag === "--no-redirect-dns") { opts.captureDns = false; continue; }
    if (flag === "--redirect-dns") { opts.captureDns = true; continue; }
    const v = value();
    if (v === undefined) return { error: `${flag} needs a value` };
    const setPort = (key: "proxyPort" | "inboundPort" | "dnsPort"): { error: string } | undefined => {
      const p = ports(flag, v);
      if ("error" in p) return p;
      if (p.length !== 1) return { error: `${flag} needs one port` };
      opts[key] = p[0] as number;
      return undefined;
    };
    let err: { error: string } | undefined;
    switch (flag) {
      case "-p": case "--proxy-port": err = setPort("proxyPort"); break;
      case "-z": case "--inbound-capture-port": err = setPort("inboundPort"); break;
      case "--dns-port": err = setPort("dnsPort"); break;
      case "-u": case "--proxy-uid": { const r = ids(flag, v); if ("error" in r) err = r; else opts.proxyUids = r; break; }
      case "-g": case "--proxy-gid": { const r = ids(flag, v); if ("error" in r) err = r; else { opts.proxyGids = r; gidsSet = true; } break; }
      case "-m": case "--istio-inbound-interception-mode":
        if (v !== "REDIRECT") err = { error: `-m ${v}: only REDIRECT is supported (TPROXY is not)` };
        break;
      case "-i": case "--istio-service-cidr": opts.outboundCidrs = v.trim() === "*" ? "*" : cidrs(v); break;
      case "-x": case "--istio-service-exclude-cidr": opts.excludeOutboundCidrs = cidrs(v); break;
      case "-b": case "--istio-inbound-ports": {
        if (v.trim() === "*") { opts.inboundPorts = "*"; break; }
        const r = ports(flag, v); if ("error" in r) err = r; else opts.inboundPorts = r; break;
      }
      case "-d": case "--istio-local-exclude-ports": { const r = ports(flag, v); if ("error" in r) err = r; else opts.excludeInboundPorts = r; break; }
      case "-o": case "--istio-local-outbound-ports-exclude": { const r = ports(flag, v); if ("error" in r) err = r; else opts.excludeOutboundPorts = r; break; }
      default: return { error: `unknown flag ${flag}` };
    }
    if (err) return err;
  }
  if (!gidsSet) opts.proxyGids = [...opts.proxyUids];
  return { opts, cleanup, dryRun };
}

async function run(args: string[]): Promise<number> {
  const parsed = parseInitCaptureFlags(args);
  if (parsed === "help") {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if ("error" in parsed) {
    process.stderr.write(`mizzen init-capture: ${parsed.error}\n\n${HELP}\n`);
    return 2;
  }
  try {
    if (parsed.dryRun) {
      process.stdout.write(parsed.cleanup ? "# --cleanup: removes the MIZZEN_* nat chains and tagged rules\n" : captureRestoreScript(parsed.opts));
      return 0;
    }
    if (parsed.cleanup) {
      const n = cleanupCapture();
      process.stdout.write(`removed ${n} capture rule(s) and chain(s)\n`);
      return 0;
    }
    applyCapture(parsed.opts);
    process.stdout.write(`capture installed: outbound TCP → ${parsed.opts.proxyPort}, inbound → ${parsed.opts.inboundPort}${parsed.opts.captureDns ? `, DNS → ${parsed.opts.dnsPort}` : ""}; uids ${parsed.opts.proxyUids.join(",")} excluded\n`);
    return 0;
  } catch (e) {
    const code = (e as { code?: string }).code;
    process.stderr.write(`mizzen init-capture: ${code ? `${code}: ` : ""}${errorMessage(e)}\n`);
    return 1;
  }
}

export const initCaptureCommand: Command = {
  name: "init-capture",
  summary: "install (or --cleanup) the iptables rules of REDIRECT capture in this network namespace",
  run,
};
