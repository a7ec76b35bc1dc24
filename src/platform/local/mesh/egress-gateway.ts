// Istio's egress gateway on the local mesh: the pod `istio-egressgateway` (istio-system) starts when
// some config points at it (at `up` or later through `mizzen apply`), is registered as a workload
// so that the mesh reaches it, and has the Service Istio installs with it:
// istio-egressgateway.istio-system.svc.cluster.local, ports 80 and 443. Port 80 is named `http`, not
// Istio's `http2`: the proxy does not bridge HTTP/1.1 clients to an HTTP/2-only cluster. Unlike
// Istio's (80→8080) the gateway binds the Gateway's own port: in REDIRECT it has its own network
// namespace; in NONE it shares the host's ports and port 80 is mapped to a free one (none-ports.ts).
import type { Resource } from "../../../config/resource.js";
import { EGRESS_GATEWAY } from "./pods.js";

export const EGRESS_GATEWAY_HOST = "istio-egressgateway.istio-system.svc.cluster.local";

/** The Service in front of the egress gateway pod, written to the config dir with the gateway. */
export function egressGatewayService(): Resource {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: EGRESS_GATEWAY.name, namespace: "istio-system", labels: { ...EGRESS_GATEWAY.labels } },
    spec: {
      selector: { istio: "egressgateway" },
      ports: [
        { name: "http", port: 80, targetPort: 80, protocol: "TCP" },
        { name: "https", port: 443, targetPort: 443, protocol: "TCP" },
      ],
    },
  } as Resource;
}
