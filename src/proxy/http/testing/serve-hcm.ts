// Serves a network filter (the HTTP connection manager) on a plain net.Server for tests and the
// benchmark, standing in for the listener until `mizzen proxy` wires one.
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import type { NetworkFilter } from "../../contracts.js";

export interface ServedFilter {
  readonly server: Server;
  readonly port: number;
  close(): Promise<void>;
}

export function serveNetworkFilter(filter: NetworkFilter, port = 0, host = "127.0.0.1"): Promise<ServedFilter> {
  const sockets = new Set<Socket>();
  const server = createServer({ noDelay: true, allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    filter.onConnection({
      socket,
      remoteAddress: socket.remoteAddress ?? "",
      remotePort: socket.remotePort ?? 0,
      destinationAddress: socket.localAddress ?? "",
      destinationPort: socket.localPort ?? 0,
      listenerName: "test",
      filterChainName: "",
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve({
      server,
      port: (server.address() as AddressInfo).port,
      close: () => new Promise<void>((res) => {
        for (const s of sockets) s.destroy();
        server.close(() => res());
      }),
    }));
  });
}
