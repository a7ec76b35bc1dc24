// Upstream clusters: the cluster manager (ClusterRegistry), load balancers and their registry.
export { ClusterManager, type ClusterManagerOptions } from "./cluster-manager.js";
export { ClusterImpl } from "./cluster.js";
export { compileCluster, type ClusterConfig } from "./cluster-config.js";
export type { ClusterSnapshot, HostSnapshot } from "./cluster-stats.js";
export { HostImpl } from "./host.js";
export { registerLoadBalancer, loadBalancerFactory, type LoadBalancer } from "./lb/index.js";
export { inlineUpstreamTls, type UpstreamTlsBuilder, type ClusterTls } from "./upstream-tls.js";
export { formatClustersText } from "./clusters-text.js";
