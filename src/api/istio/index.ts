// Istio's own xDS resource types (beyond Envoy's): NDS.
export { NAME_TABLE_TYPE, NDS_TYPE_URL, decodeNameTable, encodeNameTable, nameTableType, type NameInfo, type NameTable } from "./nds.js";
