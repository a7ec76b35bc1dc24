// Every analyzer `mizzen analyze` runs, listed explicitly.
import type { Analyzer } from "./analyzer.js";
import { caCertificatesAnalyzer } from "./analyzers/ca-certificates.js";
import { conflictingGatewaysAnalyzer } from "./analyzers/conflicting-gateways.js";
import { conflictingMeshGatewayHostsAnalyzer } from "./analyzers/conflicting-mesh-gateway-hosts.js";
import { destinationHostAnalyzer } from "./analyzers/destination-hosts.js";
import { gatewayPortAnalyzer } from "./analyzers/gateway-port.js";
import { gatewaySecretAnalyzer } from "./analyzers/gateway-secret.js";
import { mtlsPolicyConflictAnalyzer } from "./analyzers/mtls-policy-conflict.js";
import { noMatchingWorkloadsAnalyzer } from "./analyzers/no-matching-workloads.js";
import { portNameAnalyzer } from "./analyzers/port-name.js";
import { sidecarDefaultSelectorAnalyzer } from "./analyzers/sidecar-default-selector.js";
import { sidecarSelectorAnalyzer } from "./analyzers/sidecar-selector.js";
import { unreachableRulesAnalyzer } from "./analyzers/unreachable-rules.js";
import { vsDestinationRuleAnalyzer } from "./analyzers/vs-destination-rules.js";
import { vsGatewayAnalyzer } from "./analyzers/vs-gateways.js";

export const analyzers: readonly Analyzer[] = [
  destinationHostAnalyzer,
  vsGatewayAnalyzer,
  vsDestinationRuleAnalyzer,
  gatewaySecretAnalyzer,
  conflictingMeshGatewayHostsAnalyzer,
  sidecarSelectorAnalyzer,
  sidecarDefaultSelectorAnalyzer,
  mtlsPolicyConflictAnalyzer,
  portNameAnalyzer,
  noMatchingWorkloadsAnalyzer,
  caCertificatesAnalyzer,
  unreachableRulesAnalyzer,
  conflictingGatewaysAnalyzer,
  gatewayPortAnalyzer,
];
