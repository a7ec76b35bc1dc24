// Helpers for local-platform tests: process liveness (zombies count as gone), bounded polling,
// a free loopback port.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import net from "node:net";

export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** Polls `check` every 50 ms until it returns a value other than undefined, or throws at the deadline. */
export async function eventually<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * A 198.19.<n>.0/24 test subnet and bridge name no route or link on this host uses yet, starting
 * from a per-process offset (test files run in parallel, each in its own process).
 */
export function freeTestBridge(prefix: string, salt: number): { name: string; gateway: string; prefix: number } {
  const routes = spawnSync("ip", ["-4", "route"], { encoding: "utf8" }).stdout ?? "";
  const links = spawnSync("ip", ["link"], { encoding: "utf8" }).stdout ?? "";
  for (let i = 0; i < 240; i++) {
    const n = 10 + ((process.pid + salt + i) % 240);
    const name = `${prefix}${(process.pid + i) % 100000}`;
    if (!routes.includes(`198.19.${n}.`) && !links.includes(` ${name}:`)) return { name, gateway: `198.19.${n}.1`, prefix: 24 };
  }
  throw new Error("no free 198.19.x.0/24 test subnet");
}
