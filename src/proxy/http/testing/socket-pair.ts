// A connected pair of loopback sockets for tests: the client and the server's accepted socket,
// handed over paused (nothing is read until the test asks), and one call that closes all three.
import { createServer, connect, type Server, type Socket } from "node:net";
import { once } from "node:events";

export interface SocketPair { server: Server; client: Socket; accepted: Socket; close(): void }

export async function socketPair(): Promise<SocketPair> {
  const server = createServer({ pauseOnConnect: true });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as { port: number }).port;
  const acceptedP = once(server, "connection") as Promise<[Socket]>;
  const client = connect({ port, host: "127.0.0.1" });
  await once(client, "connect");
  const [accepted] = await acceptedP;
  return { server, client, accepted, close: () => { client.destroy(); accepted.destroy(); server.close(); } };
}
