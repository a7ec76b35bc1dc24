// Host port → gateway pod port (REDIRECT: the gateway lives in its own network namespace, as
// behind Istio's LoadBalancer Service). Plain TCP relay with backpressure through pipe().
import net from "node:net";
import { MizzenError, errorMessage } from "../../../errors.js";

export interface PortForward {
  readonly port: number;
  close(): Promise<void>;
}

export function forwardPort(listenHost: string, listenPort: number, target: () => { host: string; port: number } | undefined): Promise<PortForward> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const to = target();
    if (!to) {
      client.destroy();
      return;
    }
    const upstream = net.connect(to.port, to.host);
    sockets.add(client);
    sockets.add(upstream);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return new Promise((resolve, reject) => {
    server.once("error", (e) => reject(new MizzenError("MIZZEN_ERR_INGRESS_PORT", `cannot listen on ${listenHost}:${listenPort} for the ingress gateway: ${errorMessage(e)}`, { cause: e })));
    server.listen(listenPort, listenHost, () => {
      resolve({
        port: (server.address() as net.AddressInfo).port,
        close: () => new Promise<void>((r) => {
          for (const s of sockets) s.destroy();
          server.close(() => r());
        }),
      });
    });
  });
}
