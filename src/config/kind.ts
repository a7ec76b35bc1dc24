// What the decoder needs to know about one kind: its API group and versions, and how to check it.
import type { z } from "zod";
import type { ResourceRef } from "./diagnostic.js";

export interface ValidationContext {
  readonly resource: ResourceRef;
  /** Report an error at a field path relative to the object root ("spec.http[0].timeout"). */
  error(path: string, message: string): void;
  /** Report a warning (deprecated field, shadowed rule …); warnings do not reject the resource. */
  warn(path: string, message: string): void;
}

export interface KindDefinition<Body extends object = object> {
  /** API group, "" for the Kubernetes core group (apiVersion "v1"). */
  group: string;
  /** Versions accepted, as Istio/Kubernetes accept them (e.g. ["v1", "v1beta1", "v1alpha3"]). */
  versions: readonly string[];
  kind: string;
  namespaced: boolean;
  /**
   * Syntax of metadata.name (default "dns1123-subdomain", as for most Kubernetes kinds and CRDs;
   * Service uses "dns1035-label").
   */
  nameRule?: "dns1123-subdomain" | "dns1123-label" | "dns1035-label";
  /**
   * Structural schema of the object's body: every top-level field except apiVersion, kind and
   * metadata (for Istio kinds `{ spec, status? }`). Objects are strict: unknown fields are errors.
   */
  schema: z.ZodType<Body>;
  /** Istio's semantic rules, run only when the schema passed. */
  validate?(body: Body, ctx: ValidationContext): void;
}
