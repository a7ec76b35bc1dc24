// Where the sidecar's DNS proxy forwards names outside the mesh: the first nameserver of
// /etc/resolv.conf. A loopback stub (systemd-resolved's 127.0.0.53, a local dnsmasq) is not
// reachable from inside a pod's network namespace, so then: the real servers from
// /run/systemd/resolve/resolv.conf when present, else the stub only if it answers here, else no
// upstream (mesh names still answered, other names SERVFAIL) with a log line saying why.
import net from "node:net";
import { readFile } from "node:fs/promises";
import { nameserverFromResolvConf, type Upstream } from "../../../agent/dns/index.js";

export interface UpstreamChoiceOptions {
  readonly resolvConf?: string;
  readonly systemdResolvConf?: string;
  /** How long the reachability probe of a loopback stub may take (default 500 ms). */
  readonly probeTimeoutMs?: number;
  readonly log: (message: string) => void;
}

const isLoopback = (address: string): boolean => address.startsWith("127.") || address === "::1";

async function nameserverIn(path: string): Promise<Upstream | undefined> {
  try {
    return nameserverFromResolvConf(await readFile(path, "utf8"));
  } catch {
    return undefined;
  }
}

/** Whether something accepts a TCP connection on upstream's port (DNS servers serve TCP too). */
function reachable(upstream: Upstream, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: upstream.address, port: upstream.port });
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.once("connect", () => done(true));
    sock.once("error", () => done(false));
  });
}

/** The upstream resolver, or null for none (the DNS proxy then answers SERVFAIL for non-mesh names). */
export async function chooseUpstream(opts: UpstreamChoiceOptions): Promise<Upstream | null> {
  const resolvConf = opts.resolvConf ?? "/etc/resolv.conf";
  const first = await nameserverIn(resolvConf);
  if (!first) {
    opts.log(`dns: no nameserver in ${resolvConf}; names outside the mesh get SERVFAIL`);
    return null;
  }
  if (!isLoopback(first.address)) return first;
  const systemd = await nameserverIn(opts.systemdResolvConf ?? "/run/systemd/resolve/resolv.conf");
  if (systemd && !isLoopback(systemd.address)) {
    opts.log(`dns: ${resolvConf} names the loopback stub ${first.address}; forwarding to ${systemd.address} from systemd-resolved's resolv.conf`);
    return systemd;
  }
  if (await reachable(first, opts.probeTimeoutMs ?? 500)) return first;
  opts.log(`dns: the loopback stub resolver ${first.address} from ${resolvConf} is unreachable from this network namespace and no other nameserver is known; mesh names are answered, other names get SERVFAIL`);
  return null;
}
