// Access logs from the HCM's access_log config through real sidecars: Istio's default text
// format on the client sidecar, Istio's JSON keys on the server sidecars, for a normal request
// and for one aborted by fault injection (response flag FI), and a CEL filter that keeps errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startStatsMesh } from "../src/telemetry/testing/stats-mesh.js";
import { httpGet } from "../src/telemetry/testing/http-get.js";
import { closeAccessLogFiles, FILE_ACCESS_LOG_TYPE, CEL_FILTER_TYPE } from "../src/telemetry/access-log/http-access-log.js";
import { ISTIO_JSON_FORMAT, ISTIO_TEXT_FORMAT } from "../src/telemetry/access-log/formats.js";

function fileLog(path: string, logFormat: Record<string, unknown>, filter?: Record<string, unknown>): Record<string, unknown> {
  return { name: "envoy.access_loggers.file", ...(filter ? { filter } : {}), typed_config: { "@type": FILE_ACCESS_LOG_TYPE, path, log_format: logFormat } };
}

// Istio's default text format: [start] "METHOD PATH PROTO" CODE FLAGS DETAILS TERM "UTFR" RX TX DUR UST "XFF" "UA" "REQID" "AUTH" "UPHOST" CLUSTER ULA DLA DRA SNI ROUTE
const TEXT_LINE = /^\[(\d{4}-\d\d-\d\dT[\d:.]+Z)\] "(\S+) (\S+) (\S+)" (\d{3}) (\S+) (\S+) (\S+) "([^"]*)" (\d+) (\d+) (\d+) (\S+) "([^"]*)" "([^"]*)" "([^"]*)" "([^"]*)" "([^"]*)" (\S+) (\S+) (\S+) (\S+) (\S+) (\S+)$/;

test("text and JSON access log lines for a normal request and a fault abort", async () => {
  const dir = mkdtempSync(join(tmpdir(), "mizzen-al-"));
  const textPath = join(dir, "client.log");
  const jsonPath = join(dir, "server.log");
  const errPath = join(dir, "errors.log");
  const mesh = await startStatsMesh({
    clientHcm: { access_log: [
      fileLog(textPath, { text_format_source: { inline_string: ISTIO_TEXT_FORMAT } }),
      fileLog(errPath, { text_format_source: { inline_string: "%RESPONSE_CODE% %RESPONSE_FLAGS% %REQ(:PATH)%\n" } },
        { extension_filter: { name: "envoy.access_loggers.extension_filters.cel", typed_config: { "@type": CEL_FILTER_TYPE, expression: "response.code >= 400 || request.headers['x-debug'] == 'on'" } } }),
    ] },
    serverHcm: { access_log: [fileLog(jsonPath, { json_format: ISTIO_JSON_FORMAT })] },
  });
  try {
    assert.equal((await httpGet(mesh.entryPort, "/reviews/1", { "user-agent": "al-test", "x-request-id": "req-ok" })).status, 200);
    assert.equal((await httpGet(mesh.entryPort, "/fail", { "user-agent": "al-test", "x-request-id": "req-fail" })).status, 503);
    assert.equal((await httpGet(mesh.entryPort, "/debug", { "x-debug": "on" })).status, 200);
  } finally {
    await mesh.close();
    await closeAccessLogFiles();
  }
  try {
    const text = readFileSync(textPath, "utf8").trimEnd().split("\n");
    assert.equal(text.length, 3);
    const ok = TEXT_LINE.exec(text[0] ?? "");
    assert.ok(ok, text[0]);
    assert.deepEqual([ok[2], ok[3], ok[4], ok[5], ok[6], ok[7]], ["GET", "/reviews/1", "HTTP/1.1", "200", "-", "via_upstream"]);
    assert.equal(ok[15], "al-test");
    assert.equal(ok[16], "req-ok");
    assert.equal(ok[17], "reviews:9080");
    assert.match(ok[18] ?? "", /^127\.0\.0\.1:\d+$/);
    assert.equal(ok[19], "outbound|9080||reviews.default.svc.cluster.local");
    assert.equal(ok[24], "default");
    const fail = TEXT_LINE.exec(text[1] ?? "");
    assert.ok(fail, text[1]);
    // The client sidecar relays the server sidecar's 503; the flag is set where the abort happened.
    assert.deepEqual([fail[3], fail[5], fail[6]], ["/fail", "503", "-"]);
    const json = readFileSync(jsonPath, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(json.length, 3);
    for (const j of json) assert.deepEqual(Object.keys(j).sort(), Object.keys(ISTIO_JSON_FORMAT).sort());
    const jok = json.find((j) => j["path"] === "/reviews/1");
    const jfail = json.find((j) => j["path"] === "/fail");
    assert.equal(jok?.["response_code"], 200);
    assert.equal(jok?.["response_flags"], "-");
    assert.equal(jok?.["upstream_cluster"], "inbound|9080||");
    assert.equal(jok?.["request_id"], "req-ok");
    assert.equal(jfail?.["response_code"], 503);
    assert.equal(jfail?.["response_flags"], "FI");
    assert.equal(jfail?.["upstream_host"], null);
    const errors = readFileSync(errPath, "utf8").trimEnd().split("\n");
    assert.deepEqual(errors, ["503 - /fail", "200 - /debug"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
