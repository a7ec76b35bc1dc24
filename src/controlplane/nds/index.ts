// NDS: Istio's name table for agents with DNS capture, generated per proxy from the registry.
export { NAME_TABLE_RESOURCE, buildNameTable, nameTableResources, proxyNamespace } from "./name-table.js";
