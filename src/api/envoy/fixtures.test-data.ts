// Realistic Envoy resources in Envoy JSON, shared by the tests of this folder and of the xDS code.
import type { EnvoyJson } from "../../proxy/contracts.js";

export function sampleListener(): EnvoyJson {
  return {
    name: "0.0.0.0_8080",
    address: { socket_address: { address: "0.0.0.0", port_value: 8080 } },
    listener_filters: [
      { name: "envoy.filters.listener.tls_inspector", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector" } },
    ],
    filter_chains: [{
      filter_chain_match: { destination_port: 8080, application_protocols: ["http/1.1", "h2c"] },
      filters: [{
        name: "envoy.filters.network.http_connection_manager",
        typed_config: {
          "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
          stat_prefix: "outbound_0.0.0.0_8080",
          codec_type: "AUTO",
          stream_idle_timeout: "300s",
          route_config: {
            name: "8080",
            virtual_hosts: [{
              name: "reviews.default.svc.cluster.local:8080",
              domains: ["reviews.default.svc.cluster.local", "reviews"],
              routes: [{
                match: { prefix: "/", headers: [{ name: "end-user", string_match: { exact: "jason" } }] },
                route: { cluster: "outbound|8080|v2|reviews.default.svc.cluster.local", timeout: "1.500s", retry_policy: { retry_on: "5xx,connect-failure", num_retries: 3, per_try_timeout: "0.250s" } },
                typed_per_filter_config: {
                  "envoy.filters.http.fault": {
                    "@type": "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault",
                    delay: { fixed_delay: "2s", percentage: { numerator: 10, denominator: "HUNDRED" } },
                  },
                },
              }],
            }],
          },
          http_filters: [
            { name: "envoy.filters.http.fault", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault" } },
            { name: "envoy.filters.http.router", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" } },
          ],
        },
      }],
    }],
  };
}

export function sampleCluster(): EnvoyJson {
  return {
    name: "outbound|8080|v2|reviews.default.svc.cluster.local",
    type: "EDS",
    eds_cluster_config: { eds_config: { ads: {}, resource_api_version: "V3" }, service_name: "outbound|8080|v2|reviews.default.svc.cluster.local" },
    connect_timeout: "10s",
    lb_policy: "LEAST_REQUEST",
    circuit_breakers: { thresholds: [{ priority: "DEFAULT", max_connections: 100, max_pending_requests: 10, max_requests: 1000, max_retries: 3 }] },
    outlier_detection: { consecutive_5xx: 5, interval: "10s", base_ejection_time: "30s", max_ejection_percent: 100 },
    metadata: { filter_metadata: { istio: { default_original_port: 8080, services: [{ host: "reviews.default.svc.cluster.local" }] } } },
    transport_socket: {
      name: "envoy.transport_sockets.tls",
      typed_config: {
        "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
        sni: "outbound_.8080_.v2_.reviews.default.svc.cluster.local",
        common_tls_context: {
          alpn_protocols: ["istio-peer-exchange", "istio"],
          tls_certificate_sds_secret_configs: [{ name: "default", sds_config: { ads: {}, resource_api_version: "V3" } }],
          combined_validation_context: {
            default_validation_context: { match_typed_subject_alt_names: [{ san_type: "URI", matcher: { exact: "spiffe://cluster.local/ns/default/sa/reviews" } }] },
            validation_context_sds_secret_config: { name: "ROOTCA", sds_config: { ads: {}, resource_api_version: "V3" } },
          },
        },
      },
    },
  };
}

export function sampleLoadAssignment(): EnvoyJson {
  return {
    cluster_name: "outbound|8080|v2|reviews.default.svc.cluster.local",
    endpoints: [
      {
        locality: { region: "us-east1", zone: "us-east1-b" },
        load_balancing_weight: 2,
        priority: 0,
        lb_endpoints: [
          { endpoint: { address: { socket_address: { address: "10.0.0.1", port_value: 9080 } } }, health_status: "HEALTHY", load_balancing_weight: 1 },
          { endpoint: { address: { socket_address: { address: "10.0.0.2", port_value: 9080 } } }, health_status: "UNHEALTHY" },
        ],
      },
      {
        locality: { region: "us-west1", zone: "us-west1-a" },
        load_balancing_weight: 1,
        priority: 1,
        lb_endpoints: [{ endpoint: { address: { socket_address: { address: "10.1.0.1", port_value: 9080 } } } }],
      },
    ],
    policy: { overprovisioning_factor: 140 },
  };
}
