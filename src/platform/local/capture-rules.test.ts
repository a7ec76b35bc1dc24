import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { captureRestoreScript, DEFAULT_CAPTURE, taggedRuleDeletions } from "./capture-rules.js";
import { parseInitCaptureFlags } from "../../cli/commands/init-capture.js";

const rules = (text: string): string[] => text.split("\n").filter((l) => l.startsWith("-A "));

describe("capture rules", () => {
  it("excludes the proxy uid before redirecting outbound, and excluded inbound ports before 15006", () => {
    const r = rules(captureRestoreScript(DEFAULT_CAPTURE));
    const uidReturn = r.indexOf("-A MIZZEN_OUTPUT -m owner --uid-owner 1337 -j RETURN");
    const redirect = r.indexOf("-A MIZZEN_OUTPUT -j MIZZEN_REDIRECT");
    assert.ok(uidReturn >= 0 && redirect > uidReturn);
    const excl = r.indexOf("-A MIZZEN_INBOUND -p tcp --dport 15021 -j RETURN");
    assert.ok(excl >= 0 && r.indexOf("-A MIZZEN_INBOUND -p tcp -j MIZZEN_IN_REDIRECT") > excl);
    assert.ok(r.includes("-A MIZZEN_OUTPUT -s 127.0.0.6/32 -o lo -j RETURN"));
    assert.ok(r.some((l) => l.startsWith("-A OUTPUT -p udp --dport 53") && l.endsWith("REDIRECT --to-ports 15053")));
  });

  it("captures only listed inbound ports and outbound CIDRs when given, and no DNS when turned off", () => {
    const r = rules(captureRestoreScript({ ...DEFAULT_CAPTURE, inboundPorts: [9080, 15021], outboundCidrs: ["10.0.0.0/8"], captureDns: false }));
    assert.ok(r.includes("-A MIZZEN_INBOUND -p tcp --dport 9080 -j MIZZEN_IN_REDIRECT"));
    assert.equal(r.some((l) => l.includes("--dport 15021 -j MIZZEN_IN_REDIRECT")), false);
    assert.ok(r.includes("-A MIZZEN_OUTPUT -d 10.0.0.0/8 -j MIZZEN_REDIRECT"));
    assert.equal(r.some((l) => l.includes("15053")), false);
    assert.equal(rules(captureRestoreScript({ ...DEFAULT_CAPTURE, inboundPorts: [] })).some((l) => l.startsWith("-A PREROUTING")), false);
  });

  it("rejects bad CIDRs and ports with codes", () => {
    assert.throws(() => captureRestoreScript({ ...DEFAULT_CAPTURE, excludeOutboundCidrs: ["10.0.0.0/33"] }), { code: "MIZZEN_ERR_CAPTURE_CIDR" });
    assert.throws(() => captureRestoreScript({ ...DEFAULT_CAPTURE, proxyPort: 70000 }), { code: "MIZZEN_ERR_CAPTURE_PORT" });
  });

  it("finds the tagged built-in chain rules to delete, quoted comments included", () => {
    const saved = [
      "*nat", ":OUTPUT ACCEPT [0:0]", ":MIZZEN_OUTPUT - [0:0]",
      '-A OUTPUT -p tcp -m comment --comment "mizzen-capture" -j MIZZEN_OUTPUT',
      "-A OUTPUT -p tcp -j OTHER",
      "-A MIZZEN_OUTPUT -m comment --comment mizzen-capture -j RETURN",
    ].join("\n");
    assert.deepEqual(taggedRuleDeletions(saved), [["-t", "nat", "-D", "OUTPUT", "-p", "tcp", "-m", "comment", "--comment", "mizzen-capture", "-j", "MIZZEN_OUTPUT"]]);
  });
});

describe("mizzen init-capture flags", () => {
  it("reads Istio's short flags", () => {
    const p = parseInitCaptureFlags(["-p", "15001", "-z", "15006", "-u", "1337", "-m", "REDIRECT", "-i", "*", "-b", "*", "-d", "15090,15021,15020", "-x", "10.1.0.0/16"]);
    assert.ok(typeof p === "object" && "opts" in p);
    assert.deepEqual(p.opts.excludeInboundPorts, [15090, 15021, 15020]);
    assert.deepEqual(p.opts.proxyGids, [1337]);
    assert.deepEqual(p.opts.excludeOutboundCidrs, ["10.1.0.0/16"]);
    assert.equal(p.cleanup, false);
  });
  it("refuses TPROXY, bad ports and unknown flags", () => {
    for (const args of [["-m", "TPROXY"], ["-p", "x"], ["--frobnicate"], ["-d", "0"], ["-u"]]) {
      const p = parseInitCaptureFlags(args);
      assert.ok(typeof p === "object" && "error" in p, args.join(" "));
    }
    assert.equal(parseInitCaptureFlags(["-h"]), "help");
  });
});
