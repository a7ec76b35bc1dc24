// Registers the HTTP filters that ship with the proxy (import for side effects).
import "./fault.js";
import "./cors.js";
import "./rbac/rbac-filter.js";
import "./jwt-authn/jwt-filter.js";
import "./ext-authz/ext-authz-filter.js";
import "../../../telemetry/stats/http-stats.js";
import "../../../telemetry/wiring/typed-struct-filter.js";
