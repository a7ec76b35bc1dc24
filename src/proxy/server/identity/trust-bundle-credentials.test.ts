// A TLS channel to the control plane's secure port through credentials that follow the trust
// bundle: after the CA's serving cert moves to a new root, new connections over the same
// credentials object succeed once the bundle has the new root, and a bundle of the old root alone fails.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { startSecureEndpoint } from "../../../controlplane/security/index.js";
import { AdsServer } from "../../../xds/index.js";
import { TrustBundleProvider, trustBundleChannelCredentials } from "./trust-bundle-credentials.js";

/** Whether a new channel over `creds` gets to READY (TLS handshake verified) within 3 s. */
function connects(port: number, creds: grpc.ChannelCredentials): Promise<boolean> {
  // A local subchannel pool: every check makes its own connection and handshake.
  const client = new grpc.Client(`127.0.0.1:${port}`, creds, { "grpc.use_local_subchannel_pool": 1 });
  return new Promise<boolean>((resolve) => {
    client.waitForReady(Date.now() + 3000, (err) => resolve(err === undefined || err === null));
  }).finally(() => client.close());
}

test("the channel trusts the bundle current at each connect", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "mizzen-bundle-creds-"));
  const ads = new AdsServer({ source: () => [] });
  const ep = await startSecureEndpoint({ dataDir, trustDomain: "cluster.local", host: "127.0.0.1", port: 0, ads, log: () => undefined, rotationSignal: null });
  try {
    const oldRoot = ep.authority.activeRoot();
    const following = new TrustBundleProvider([oldRoot]);
    const creds = trustBundleChannelCredentials(following);
    const oldOnly = trustBundleChannelCredentials(new TrustBundleProvider([oldRoot]));
    assert.equal(await connects(ep.port, creds), true);

    await ep.rotateRoot(); // trust the new root
    following.update(ep.authority.trustBundle());
    await ep.rotateRoot(); // sign (and serve) under it
    const newRoot = ep.authority.activeRoot();
    const newOnly = trustBundleChannelCredentials(new TrustBundleProvider([newRoot]));
    let served = false;
    for (let i = 0; i < 20 && !served; i++) served = await connects(ep.port, newOnly); // the serving cert is re-issued asynchronously
    assert.equal(served, true, "the secure port serves a cert under the new root");
    assert.equal(await connects(ep.port, creds), true, "both roots trusted during the overlap");
    assert.equal(await connects(ep.port, oldOnly), false, "the old root alone no longer verifies the server");

    await ep.rotateRoot(); // retire the old root
    following.update(ep.authority.trustBundle());
    assert.equal(await connects(ep.port, creds), true, "the same credentials follow the bundle");
  } finally {
    await ads.close();
    await ep.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
