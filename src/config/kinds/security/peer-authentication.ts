// PeerAuthentication (security.istio.io): which mTLS mode a workload's inbound traffic accepts,
// for the whole workload and per port.
import { z } from "zod";
import { strict, workloadSelector } from "../../schema/index.js";
import type { KindDefinition, ValidationContext } from "../../kind.js";
import type { Resource } from "../../resource.js";
import { renderPath } from "../../decode/index.js";
import { nullFieldsAsUnset } from "../core/null-fields.js";

export const mtlsModes = ["UNSET", "DISABLE", "PERMISSIVE", "STRICT"] as const;
export type MtlsMode = (typeof mtlsModes)[number];

const mutualTls = strict({
  mode: z.enum(mtlsModes, { error: `mode must be one of ${mtlsModes.join(", ")}` }).optional(),
});

export const peerAuthenticationSpec = strict({
  selector: workloadSelector.optional(),
  mtls: mutualTls.optional(),
  /** Keys are port numbers (YAML map keys arrive as strings). */
  portLevelMtls: z.record(z.string(), mutualTls).optional(),
});
export type PeerAuthenticationSpec = z.infer<typeof peerAuthenticationSpec>;

const body = strict({ spec: peerAuthenticationSpec.default({}), status: z.unknown().optional() });
export type PeerAuthenticationBody = z.infer<typeof body>;
export type PeerAuthentication = Resource<PeerAuthenticationBody>;

function validate({ spec }: PeerAuthenticationBody, ctx: ValidationContext): void {
  const labels = spec.selector?.matchLabels ?? {};
  const ports = spec.portLevelMtls;
  if (spec.selector !== undefined && Object.keys(labels).length === 0) ctx.warn("spec.selector", "workload selector specified without labels");
  if (ports === undefined) return;
  const keys = Object.keys(ports);
  if (keys.length === 0) ctx.error("spec.portLevelMtls", "port level mTLS, if defined, must have at least one element");
  if (Object.keys(labels).length === 0 && keys.length > 0) {
    ctx.error("spec.portLevelMtls", "mesh/namespace peer authentication cannot have port level mTLS (portLevelMtls requires a selector)");
  }
  for (const k of keys) {
    const n = /^\d{1,5}$/.test(k) ? Number(k) : NaN;
    if (!(n >= 1 && n <= 65535)) ctx.error(renderPath(["spec", "portLevelMtls", k]), `port must be in range 1..65535, found "${k}"`);
  }
}

export const peerAuthenticationKind: KindDefinition<PeerAuthenticationBody> = {
  group: "security.istio.io",
  versions: ["v1", "v1beta1"],
  kind: "PeerAuthentication",
  namespaced: true,
  schema: nullFieldsAsUnset(body),
  validate,
};
