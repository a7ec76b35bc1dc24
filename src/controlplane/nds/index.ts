// NDS: Istio's name table for agents with DNS capture, generated per proxy from the registry
// (nameTableResources: exportTo only) or from the push under the proxy's Sidecar scope (scoped…).
export { NAME_TABLE_RESOURCE, buildNameTable, nameTableResources, proxyNamespace } from "./name-table.js";
export { nameTableProxy, scopedNameTable, scopedNameTableResources } from "./scoped-name-table.js";
