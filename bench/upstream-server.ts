// Benchmark upstream: answers every HTTP/1.1 request with a 1 KiB body on keep-alive
// connections, parsing no more than needed to count requests (GETs without bodies).
import { createServer } from "node:net";

const BODY = Buffer.alloc(1024, "x");
const RESPONSE = Buffer.concat([
  Buffer.from(`HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: ${BODY.length}\r\n\r\n`, "latin1"),
  BODY,
]);

const port = Number(process.argv[2] ?? 0);
const server = createServer({ noDelay: true }, (s) => {
  let carry = "";
  s.on("data", (d: Buffer) => {
    const text = carry + d.toString("latin1");
    let n = 0;
    let i = text.indexOf("\r\n\r\n");
    let last = 0;
    while (i >= 0) { n++; last = i + 4; i = text.indexOf("\r\n\r\n", last); }
    carry = text.slice(last);
    if (n === 1) s.write(RESPONSE);
    else if (n > 1) s.write(Buffer.concat(Array.from({ length: n }, () => RESPONSE)));
  });
  s.on("error", () => s.destroy());
});
server.listen(port, "127.0.0.1", () => {
  process.stdout.write("ready\n");
});
