// WorkloadEntry (istio/api networking/v1alpha3/workload_entry.proto); also ServiceEntry endpoints.
import { z } from "zod";
import type { ValidationContext } from "../../kind.js";
import type { Resource } from "../../resource.js";
import { checkFqdn, isIP, labelMap, strict, uint32 } from "../../schema/index.js";
import { checkPort, checkPortNameValue } from "./checks.js";
import { defineNetworkingKind, istioBody } from "./common.js";
import { unixAddressPrefix } from "./gateway.js";
import { specScope, type Scope } from "./scope.js";

export const workloadEntrySpec = strict({
  address: z.string().optional(),
  ports: z.record(z.string(), uint32).optional(),
  labels: labelMap.optional(),
  network: z.string().optional(),
  locality: z.string().optional(),
  weight: uint32.optional(),
  serviceAccount: z.string().optional(),
});
export type WorkloadEntrySpec = z.infer<typeof workloadEntrySpec>;
export const workloadEntryBody = istioBody(workloadEntrySpec);
export type WorkloadEntryBody = z.infer<typeof workloadEntryBody>;
export type WorkloadEntry = Resource<WorkloadEntryBody>;

export function checkUnixPath(s: Scope, path: string, ...segments: (string | number)[]): void {
  if (path === "") s.error("unix address must not be empty", ...segments);
  else if (!path.startsWith("@") && (!path.startsWith("/") || path.endsWith("/"))) s.error(`${path} is not an absolute path to a file`, ...segments);
}

/**
 * Istio's validateWorkloadEntry. servicePorts: the ServiceEntry's port names when checking its
 * endpoints; allowFqdn: whether the address may be a host name (false for STATIC endpoints).
 */
export function checkWorkloadEntry(s: Scope, we: WorkloadEntrySpec, servicePorts: Set<string> | undefined, allowFqdn: boolean): void {
  const addr = we.address ?? "";
  if (addr === "") {
    if (!we.network) {
      s.error("address is required (or network, for a workload reached through a network gateway)", "address");
      return;
    }
    s.warn(`address is unset with network "${we.network}"`, "network");
  }
  const unix = addr.startsWith(unixAddressPrefix);
  if (unix) {
    checkUnixPath(s, addr.slice(unixAddressPrefix.length), "address");
    if (Object.keys(we.ports ?? {}).length > 0) s.error(`unix endpoint ${addr} must not include ports`, "ports");
  } else if (addr !== "" && !isIP(addr)) {
    if (!allowFqdn) s.error(`endpoint address "${addr}" is not a valid IP address`, "address");
    else if (checkFqdn(addr)) s.error(`endpoint address "${addr}" is not a valid FQDN or an IP address`, "address");
  }
  for (const [name, port] of Object.entries(we.ports ?? {})) {
    if (servicePorts && !servicePorts.has(name)) s.error(`endpoint port "${name}" is not defined by the service entry`, "ports", name);
    checkPortNameValue(s, name, "ports", name);
    checkPort(s, port, "ports", name);
  }
  if (unix && servicePorts && servicePorts.size !== 1) s.error("exactly 1 service port is required for unix endpoints", "address");
}

function validateWorkloadEntry(body: WorkloadEntryBody, ctx: ValidationContext): void {
  checkWorkloadEntry(specScope(ctx), body.spec, undefined, true);
}

export const workloadEntryKind = defineNetworkingKind("WorkloadEntry", workloadEntryBody, validateWorkloadEntry);
