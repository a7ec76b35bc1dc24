// Envoy's v3 API as shipped by @grpc/grpc-js-xds, loaded into one protobufjs Root on first use.
// Type lookups start from a small base (the xDS resources and discovery messages) and load other
// packages when one of their types is first asked for, so a sidecar holds the types its
// configuration uses, not every extension (nor the bootstrap's tree, checked in another process).
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import protobuf from "protobufjs";
import { MizzenError } from "../../errors.js";

const require = createRequire(import.meta.url);

/** The .proto files whose messages Mizzen reads or writes (their imports come along). */
export const ENVOY_PROTO_FILES: readonly string[] = [
  "envoy/config/bootstrap/v3/bootstrap.proto",
  "envoy/config/listener/v3/listener.proto",
  "envoy/config/route/v3/route.proto",
  "envoy/config/cluster/v3/cluster.proto",
  "envoy/config/endpoint/v3/endpoint.proto",
  "envoy/extensions/transport_sockets/tls/v3/tls.proto",
  "envoy/extensions/transport_sockets/tls/v3/secret.proto",
  "envoy/service/discovery/v3/ads.proto",
  "envoy/service/discovery/v3/discovery.proto",
  "envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto",
  "envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto",
  "envoy/extensions/filters/network/rbac/v3/rbac.proto",
  "envoy/extensions/filters/http/router/v3/router.proto",
  "envoy/extensions/filters/http/fault/v3/fault.proto",
  "envoy/extensions/filters/http/cors/v3/cors.proto",
  "envoy/extensions/filters/http/rbac/v3/rbac.proto",
  "envoy/extensions/filters/http/jwt_authn/v3/config.proto",
  "envoy/extensions/filters/http/ext_authz/v3/ext_authz.proto",
  "envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto",
  "envoy/extensions/filters/listener/original_dst/v3/original_dst.proto",
  "envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto",
  "envoy/extensions/filters/listener/http_inspector/v3/http_inspector.proto",
  "envoy/extensions/upstreams/http/v3/http_protocol_options.proto",
  "envoy/extensions/access_loggers/file/v3/file.proto",
  "envoy/extensions/access_loggers/stream/v3/stream.proto",
  "envoy/config/metrics/v3/stats.proto",
  "envoy/config/rbac/v3/rbac.proto",
  "xds/type/v3/typed_struct.proto",
  "udpa/type/v1/typed_struct.proto",
  "google/protobuf/empty.proto",
];

/**
 * What lookups start from: the discovery messages and the five xDS resource types with their
 * imports. Everything else (typed_config extensions) loads by package on first lookup.
 */
const BASE_PROTO_FILES: readonly string[] = [
  "envoy/service/discovery/v3/discovery.proto",
  "envoy/config/listener/v3/listener.proto",
  "envoy/config/route/v3/route.proto",
  "envoy/config/cluster/v3/cluster.proto",
  "envoy/config/endpoint/v3/endpoint.proto",
  "envoy/extensions/transport_sockets/tls/v3/secret.proto",
];

/** Folders holding Envoy's protos and their imports, in search order (also for @grpc/proto-loader). */
export function envoyProtoIncludeDirs(): string[] {
  const xdsDir = path.dirname(require.resolve("@grpc/grpc-js-xds/package.json"));
  const pbDir = path.dirname(require.resolve("protobufjs/package.json"));
  const deps = ["envoy-api", "xds", "googleapis", "protoc-gen-validate"].map((d) => path.join(xdsDir, "deps", d));
  return [...deps, pbDir];
}

let cachedRoot: protobuf.Root | undefined;
let everythingLoaded = false;

function loadFiles(root: protobuf.Root, files: readonly string[]): void {
  try {
    root.loadSync([...files], { keepCase: true });
    root.resolveAll();
  } catch (e) {
    throw new MizzenError("MIZZEN_ERR_XDS_PROTOS", "cannot load Envoy's protos from @grpc/grpc-js-xds", { cause: e });
  }
}

/** The Root with the base types resolved (and whatever was loaded on demand since). */
function baseRoot(): protobuf.Root {
  if (cachedRoot) return cachedRoot;
  const dirs = envoyProtoIncludeDirs();
  const root = new protobuf.Root();
  root.resolvePath = (_origin: string, target: string): string => {
    if (path.isAbsolute(target)) return target;
    for (const d of dirs) {
      const p = path.join(d, target);
      if (existsSync(p)) return p;
    }
    return target;
  };
  loadFiles(root, BASE_PROTO_FILES);
  cachedRoot = root;
  return root;
}

/** The Root with every Envoy type Mizzen uses (ENVOY_PROTO_FILES), resolved; loaded on first call. */
export function envoyRoot(): protobuf.Root {
  const root = baseRoot();
  if (!everythingLoaded) {
    loadFiles(root, ENVOY_PROTO_FILES);
    everythingLoaded = true;
  }
  return root;
}

function lookupLoaded(name: string): protobuf.Type | undefined {
  try {
    const t = baseRoot().lookup(name);
    return t instanceof protobuf.Type ? t : undefined;
  } catch {
    return undefined;
  }
}

const triedPackages = new Set<string>();

/**
 * Loads the .proto files of a type's package folder (e.g. envoy/extensions/filters/http/grpc_stats/v3)
 * when the type is not loaded yet, so any extension shipped with the API can be decoded.
 */
function loadPackageOf(name: string): boolean {
  const parts = name.split(".");
  const firstUpper = parts.findIndex((p) => /^[A-Z]/.test(p));
  const pkg = (firstUpper < 0 ? parts.slice(0, -1) : parts.slice(0, firstUpper)).join("/");
  if (pkg === "" || triedPackages.has(pkg)) return false;
  triedPackages.add(pkg);
  const files: string[] = [];
  for (const dir of envoyProtoIncludeDirs()) {
    const folder = path.join(dir, pkg);
    if (!existsSync(folder)) continue;
    for (const f of readdirSync(folder)) if (f.endsWith(".proto")) files.push(path.join(pkg, f));
  }
  if (files.length === 0) return false;
  // File by file: one file whose imports are not shipped (envoy/config/trace/v3/opencensus.proto)
  // must not hide its siblings (zipkin.proto, opentelemetry.proto).
  const root = baseRoot();
  let loaded = false;
  for (const f of files) {
    try {
      root.loadSync(f, { keepCase: true });
      loaded = true;
    } catch {
      // skipped: the file or one of its imports is missing
    }
  }
  try {
    root.resolveAll();
  } catch {
    return loaded;
  }
  return loaded;
}

/** Looks up a message type by full name (with or without the leading dot), or undefined. */
export function findEnvoyType(typeName: string): protobuf.Type | undefined {
  const name = typeName.startsWith(".") ? typeName.slice(1) : typeName;
  const found = lookupLoaded(name);
  if (found) return found;
  return loadPackageOf(name) ? lookupLoaded(name) : undefined;
}

/** Like findEnvoyType but throws MizzenError (MIZZEN_ERR_XDS_INVALID) for an unknown name. */
export function envoyType(typeName: string): protobuf.Type {
  const t = findEnvoyType(typeName);
  if (!t) throw new MizzenError("MIZZEN_ERR_XDS_INVALID", `unknown protobuf message type ${typeName}`);
  return t;
}
