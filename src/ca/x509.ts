// The one place the CA and agent load @peculiar/x509: installs the Reflect stand-in it needs and
// points it at node's WebCrypto, then re-exports it.
import "reflect-metadata"; // @peculiar/x509 (through tsyringe) needs the Reflect metadata API at load
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };
export type KeyPair = x509.X509CertificateCreateSelfSignedParams["keys"];
export type Key = KeyPair["privateKey"];
