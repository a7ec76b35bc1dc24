import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { chooseUpstream } from "./upstream-choice.js";

describe("DNS proxy upstream choice", () => {
  let dir = "";
  const logs: string[] = [];
  const log = (m: string): void => { logs.push(m); };
  const file = async (name: string, text: string): Promise<string> => {
    const p = join(dir, name);
    await writeFile(p, text);
    return p;
  };
  before(async () => { dir = await mkdtemp(join(tmpdir(), "mizzen-dns-upstream-")); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  it("uses a non-loopback nameserver from resolv.conf as it is", async () => {
    const resolvConf = await file("plain.conf", "search default.svc.cluster.local\nnameserver 10.255.255.53\nnameserver 10.0.0.2\n");
    assert.deepEqual(await chooseUpstream({ resolvConf, log }), { address: "10.255.255.53", port: 53 });
  });

  it("replaces a loopback stub with systemd-resolved's real servers", async () => {
    const resolvConf = await file("stub.conf", "nameserver 127.0.0.53\noptions edns0\n");
    const systemdResolvConf = await file("systemd.conf", "nameserver 192.0.2.53\n");
    assert.deepEqual(await chooseUpstream({ resolvConf, systemdResolvConf, log }), { address: "192.0.2.53", port: 53 });
  });

  it("returns no upstream (SERVFAIL for other names) with a log line when the stub cannot be reached", async (t) => {
    // Nothing may listen on TCP 127.0.0.54:53 here for this case to mean anything.
    const busy = await new Promise<boolean>((resolve) => {
      const s = net.connect(53, "127.0.0.54");
      s.once("connect", () => { s.destroy(); resolve(true); });
      s.once("error", () => resolve(false));
    });
    if (busy) return t.skip("something listens on 127.0.0.54:53");
    const resolvConf = await file("stub2.conf", "nameserver 127.0.0.54\n");
    logs.length = 0;
    assert.equal(await chooseUpstream({ resolvConf, systemdResolvConf: join(dir, "absent.conf"), log }), null);
    assert.match(logs.join("\n"), /127\.0\.0\.54 .*unreachable.*SERVFAIL/);
  });

  it("keeps a loopback stub that answers in this network namespace", async (t) => {
    const server = net.createServer((s) => s.destroy());
    const listening = await new Promise<boolean>((resolve) => {
      server.once("error", () => resolve(false));
      server.listen(53, "127.0.0.55", () => resolve(true));
    });
    if (!listening) return t.skip("cannot listen on 127.0.0.55:53 (needs root)");
    try {
      const resolvConf = await file("stub3.conf", "nameserver 127.0.0.55\n");
      assert.deepEqual(await chooseUpstream({ resolvConf, systemdResolvConf: join(dir, "absent.conf"), log }), { address: "127.0.0.55", port: 53 });
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it("returns no upstream when resolv.conf is missing", async () => {
    assert.equal(await chooseUpstream({ resolvConf: join(dir, "missing.conf"), log }), null);
  });
});
