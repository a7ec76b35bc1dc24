// Schema pieces several networking kinds share (istio/api networking/v1alpha3): destinations,
// ports, header operations, selectors, server TLS settings.
import { z } from "zod";
import type { KindDefinition } from "../../kind.js";
import { labelMap, percent, strict, stringMap, uint32 } from "../../schema/index.js";

export const networkingGroup = "networking.istio.io";
export const networkingVersions = ["v1", "v1beta1", "v1alpha3"] as const;

/** Every Istio kind's body: `spec` (absent is read as `{}`, so required fields still report) and an optional `status` kept as is. */
export function istioBody<S extends z.ZodType>(spec: S) {
  return strict({ spec: spec.prefault({} as z.input<S>), status: z.unknown().optional() });
}

export function defineNetworkingKind<Body extends object>(
  kind: string,
  schema: z.ZodType<Body>,
  validate: KindDefinition<Body>["validate"],
): KindDefinition<Body> {
  return { group: networkingGroup, versions: networkingVersions, kind, namespaced: true, schema, validate };
}

/** Reports a custom issue when more than one of a oneof's fields is set. */
export function oneOf<T extends Record<string, unknown>>(keys: readonly (keyof T & string)[], name: string) {
  return (value: T, ctx: z.RefinementCtx): void => {
    const set = keys.filter((k) => value[k] !== undefined);
    if (set.length > 1) ctx.addIssue({ code: "custom", message: `only one of ${keys.join(", ")} may be set in ${name} (found ${set.join(", ")})` });
  };
}

export const percentValue = strict({ value: percent.optional() });

export const portSelector = strict({ number: uint32.optional() });

export const destination = strict({
  host: z.string(),
  subset: z.string().optional(),
  port: portSelector.optional(),
});
export type Destination = z.infer<typeof destination>;

export const headerOperations = strict({
  set: stringMap.optional(),
  add: stringMap.optional(),
  remove: z.array(z.string()).optional(),
});

export const headers = strict({
  request: headerOperations.optional(),
  response: headerOperations.optional(),
});
export type Headers = z.infer<typeof headers>;

/** networking.v1alpha3.WorkloadSelector: `{ labels }`. */
export const labelsSelector = strict({ labels: labelMap.optional() });

/** Gateway Port / ServicePort / SidecarPort (the same four fields). */
export const servicePort = strict({
  number: uint32.optional(),
  protocol: z.string().optional(),
  name: z.string().optional(),
  targetPort: uint32.optional(),
});
export type ServicePort = z.infer<typeof servicePort>;

export const serverTlsMode = z.enum(["PASSTHROUGH", "SIMPLE", "MUTUAL", "AUTO_PASSTHROUGH", "ISTIO_MUTUAL", "OPTIONAL_MUTUAL"]);
export const tlsProtocol = z.enum(["TLS_AUTO", "TLSV1_0", "TLSV1_1", "TLSV1_2", "TLSV1_3"]);

export const serverTlsSettings = strict({
  httpsRedirect: z.boolean().optional(),
  mode: serverTlsMode.optional(),
  serverCertificate: z.string().optional(),
  privateKey: z.string().optional(),
  caCertificates: z.string().optional(),
  caCrl: z.string().optional(),
  credentialName: z.string().optional(),
  credentialNames: z.array(z.string()).optional(),
  caCertCredentialName: z.string().optional(),
  tlsCertificates: z
    .array(strict({ serverCertificate: z.string().optional(), privateKey: z.string().optional(), caCertificates: z.string().optional() }))
    .optional(),
  subjectAltNames: z.array(z.string()).optional(),
  verifyCertificateSpki: z.array(z.string()).optional(),
  verifyCertificateHash: z.array(z.string()).optional(),
  minProtocolVersion: tlsProtocol.optional(),
  maxProtocolVersion: tlsProtocol.optional(),
  cipherSuites: z.array(z.string()).optional(),
  insecureSkipVerify: z.boolean().optional(),
});
export type ServerTlsSettings = z.infer<typeof serverTlsSettings>;
