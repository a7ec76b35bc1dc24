export { createDnsProxy, type DnsProxy, type DnsProxyOptions } from "./dns-proxy.js";
export { DnsTable, type DnsLookup, type DnsTableInput } from "./dns-table.js";
export { dnsTableFromServices } from "./mesh-table.js";
export { hostUpstream, nameserverFromResolvConf, type Upstream } from "./upstream.js";
export * from "./dns-message.js";
