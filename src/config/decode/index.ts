// The config decoder: YAML/JSON text, files and directories → typed resources + diagnostics.
export { decodeText, type DecodeResult } from "./text.js";
export { decodePaths } from "./paths.js";
export { decodeObject } from "./document.js";
export { renderPath, parsePath, type PathSegment } from "./field-path.js";
