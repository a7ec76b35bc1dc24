// The sidecar's DNS proxy with its table from NDS (Istio's DNS capture).
export { DEFAULT_DNS_PROXY_PORT, dnsCaptureConfig, dnsTableFromNameTable, startDnsCapture, type DnsCapture, type DnsCaptureConfig } from "./dns-capture.js";
export { chooseUpstream, type UpstreamChoiceOptions } from "./upstream-choice.js";
