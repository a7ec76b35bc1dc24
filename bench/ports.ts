// Loopback port helpers shared by the benchmark sections.
import { createServer, type AddressInfo } from "node:net";

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const p = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return p;
}

/** Resolves once something listens on 127.0.0.1:port (bounded: `tries` tries, 25 ms apart). */
export async function waitForPort(port: number, tries = 200): Promise<void> {
  for (let i = 0; i < tries; i++) {
    const taken = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once("error", () => resolve(true));
      s.listen(port, "127.0.0.1", () => s.close(() => resolve(false)));
    });
    if (taken) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`nothing listening on ${port}`);
}
