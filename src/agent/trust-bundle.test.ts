import assert from "node:assert/strict";
import { test } from "node:test";
import { CertificateAuthority } from "../ca/authority.js";
import { createSelfSignedRoot } from "../ca/signing-ca.js";
import { issuingRoot, sameRoots, splitChainAndRoots } from "./trust-bundle.js";
import { makeKeyAndCsr } from "./workload-key.js";

const ID = { trustDomain: "cluster.local", namespace: "default", serviceAccount: "sleep" };

test("a CA answer splits into the workload's chain and every trusted root", async () => {
  const a = await createSelfSignedRoot({ trustDomain: "cluster.local", keyKind: "ecdsa-p256" });
  const b = await createSelfSignedRoot({ trustDomain: "cluster.local", keyKind: "ecdsa-p256" });
  const ca = new CertificateAuthority({ signing: a.ca, trustBundle: [b.ca.rootPem] });
  const chain = await ca.signWorkload((await makeKeyAndCsr()).csrPem, ID);
  const answer = [...chain, ...ca.trustBundle()];
  const split = splitChainAndRoots(answer);
  assert.equal(split.chain.length, 1, "the leaf only (no intermediates)");
  assert.ok(sameRoots(split.roots, [a.ca.rootPem, b.ca.rootPem]));
  assert.ok(!sameRoots(split.roots, [a.ca.rootPem]));
  assert.equal(issuingRoot(split.chain, split.roots), split.roots.find((r) => sameRoots([r], [a.ca.rootPem])));
  assert.equal(issuingRoot(split.chain, [b.ca.rootPem]), undefined);
  assert.deepEqual(splitChainAndRoots(chain.slice(0, 1)), { chain: chain.slice(0, 1), roots: [] });
});
