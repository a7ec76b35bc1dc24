// Namespace and ServiceAccount (core v1): identity and scoping objects the mesh reads.
import { z } from "zod";
import { strict } from "../../schema/index.js";
import type { KindDefinition } from "../../kind.js";
import type { Resource } from "../../resource.js";
import { nullFieldsAsUnset } from "./null-fields.js";

const namespaceBody = strict({
  spec: strict({ finalizers: z.array(z.string()).optional() }).optional(),
  status: z.unknown().optional(),
});
export type NamespaceBody = z.infer<typeof namespaceBody>;
export type Namespace = Resource<NamespaceBody>;

export const namespaceKind: KindDefinition<NamespaceBody> = {
  group: "",
  versions: ["v1"],
  kind: "Namespace",
  namespaced: false,
  nameRule: "dns1123-label",
  schema: nullFieldsAsUnset(namespaceBody),
};

const objectReference = strict({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  name: z.string().optional(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  fieldPath: z.string().optional(),
});

const serviceAccountBody = strict({
  secrets: z.array(objectReference).optional(),
  imagePullSecrets: z.array(strict({ name: z.string().optional() })).optional(),
  automountServiceAccountToken: z.boolean().optional(),
});
export type ServiceAccountBody = z.infer<typeof serviceAccountBody>;
export type ServiceAccount = Resource<ServiceAccountBody>;

export const serviceAccountKind: KindDefinition<ServiceAccountBody> = {
  group: "",
  versions: ["v1"],
  kind: "ServiceAccount",
  namespaced: true,
  schema: nullFieldsAsUnset(serviceAccountBody),
};
