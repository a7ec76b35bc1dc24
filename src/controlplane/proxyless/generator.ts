// Envoy resources for proxyless gRPC (and, until src/pilot lands, every proxy): per service port an
// API listener named `<host>:<port>` whose HCM takes its routes over RDS (as Istio's grpcgen does),
// a route configuration of the same name, EDS clusters per DestinationRule subset and their
// endpoints. Each resource is encoded once and reused across proxies and unchanged rebuilds.
import { CDS_TYPE_URL, EDS_TYPE_URL, HCM_TYPE_URL, LDS_TYPE_URL, RDS_TYPE_URL, ROUTER_TYPE_URL } from "../../api/envoy/type-urls.js";
import { errorMessage } from "../../errors.js";
import type { EnvoyJson } from "../../proxy/contracts.js";
import { resourceFromEnvoyJson, type XdsResource } from "../../xds/resource.js";
import type { EndpointModel, IstioResource, MeshModel, ServiceModel } from "../model/mesh-model.js";
import { FAULT_FILTER, FAULT_TYPE, istioMetadata, outboundCluster, routesFor } from "./routes.js";

/** One generated resource: its Envoy JSON (for config_dump) and its encoded form. */
export interface GeneratedResource {
  readonly json: EnvoyJson;
  readonly resource: XdsResource;
}

export type ResourcesByType = ReadonlyMap<string, readonly GeneratedResource[]>;

const ADS_SOURCE = { ads: {}, resource_api_version: "V3" };

function listener(name: string): EnvoyJson {
  return {
    name,
    api_listener: { api_listener: {
      "@type": HCM_TYPE_URL,
      stat_prefix: name,
      rds: { config_source: ADS_SOURCE, route_config_name: name },
      http_filters: [
        { name: FAULT_FILTER, typed_config: { "@type": FAULT_TYPE } },
        { name: "envoy.filters.http.router", typed_config: { "@type": ROUTER_TYPE_URL } },
      ],
    } },
  };
}

function domains(svc: ServiceModel, port: number): string[] {
  const names = [svc.host, svc.name, `${svc.name}.${svc.namespace}`, `${svc.name}.${svc.namespace}.svc`];
  return names.flatMap((n) => [n, `${n}:${port}`]);
}

function cluster(name: string, dr: IstioResource | undefined): EnvoyJson {
  const out: EnvoyJson = { name, type: "EDS", eds_cluster_config: { eds_config: ADS_SOURCE, service_name: name }, connect_timeout: "10s", lb_policy: "ROUND_ROBIN" };
  if (dr) out.metadata = istioMetadata("destination-rule", dr);
  return out;
}

function locality(l: string | undefined): EnvoyJson {
  const [region = "", zone = "", sub_zone = ""] = (l ?? "").split("/");
  return { region, zone, sub_zone };
}

function loadAssignment(name: string, eps: readonly EndpointModel[]): EnvoyJson {
  const byLocality = new Map<string, EndpointModel[]>();
  // Not-ready endpoints are left out, as Istio does unless PILOT_SEND_UNHEALTHY_ENDPOINTS is set.
  for (const e of eps) if (e.ready) byLocality.set(e.locality ?? "", [...(byLocality.get(e.locality ?? "") ?? []), e]);
  return {
    cluster_name: name,
    endpoints: [...byLocality].map(([loc, list]) => ({
      locality: locality(loc),
      load_balancing_weight: list.length,
      lb_endpoints: list.map((e) => ({ endpoint: { address: { socket_address: { address: e.address, port_value: e.port } } }, health_status: "HEALTHY", load_balancing_weight: 1 })),
    })),
  };
}

function subsetsOf(model: MeshModel, host: string): { name: string; labels: Record<string, string> }[] {
  const dr = model.destinationRules.get(host);
  return ((dr?.spec.subsets as { name: string; labels?: Record<string, string> }[] | undefined) ?? []).map((s) => ({ name: s.name, labels: s.labels ?? {} }));
}

export class ProxylessGenerator {
  private cache = new Map<string, GeneratedResource>();
  private current: ResourcesByType = new Map();

  constructor(private readonly log: (message: string) => void = () => undefined) {}

  /** Translates the model; returns the resources per type URL (shared by every proxyless proxy). */
  rebuild(model: MeshModel): ResourcesByType {
    const lds: EnvoyJson[] = [];
    const rds: EnvoyJson[] = [];
    const cds: EnvoyJson[] = [];
    const eds: EnvoyJson[] = [];
    for (const svc of model.services) {
      const vs = model.virtualServices.get(svc.host);
      const subsets = subsetsOf(model, svc.host);
      const dr = model.destinationRules.get(svc.host);
      for (const p of svc.ports) {
        const name = `${svc.host}:${p.port}`;
        lds.push(listener(name));
        rds.push({ name, virtual_hosts: [{ name, domains: domains(svc, p.port), routes: routesFor(svc, p.port, vs) }] });
        const eps = model.endpoints.get(`${svc.host}|${p.port}`) ?? [];
        const all = outboundCluster(p.port, "", svc.host);
        cds.push(cluster(all, dr));
        eds.push(loadAssignment(all, eps));
        for (const s of subsets) {
          const c = outboundCluster(p.port, s.name, svc.host);
          cds.push(cluster(c, dr));
          eds.push(loadAssignment(c, eps.filter((e) => Object.entries(s.labels).every(([k, v]) => e.labels[k] === v))));
        }
      }
    }
    const next = new Map<string, GeneratedResource>();
    const encode = (typeUrl: string, list: EnvoyJson[]): GeneratedResource[] => list.flatMap((json) => {
      const key = `${typeUrl}\u0000${JSON.stringify(json)}`;
      let g = this.cache.get(key) ?? next.get(key);
      if (!g) {
        try {
          g = { json, resource: resourceFromEnvoyJson(typeUrl, json) };
        } catch (e) {
          this.log(`dropping a generated resource that does not encode: ${errorMessage(e)}`);
          return [];
        }
      }
      next.set(key, g);
      return [g];
    });
    this.current = new Map([[CDS_TYPE_URL, encode(CDS_TYPE_URL, cds)], [EDS_TYPE_URL, encode(EDS_TYPE_URL, eds)], [LDS_TYPE_URL, encode(LDS_TYPE_URL, lds)], [RDS_TYPE_URL, encode(RDS_TYPE_URL, rds)]]);
    this.cache = next;
    return this.current;
  }

  resources(): ResourcesByType {
    return this.current;
  }
}
