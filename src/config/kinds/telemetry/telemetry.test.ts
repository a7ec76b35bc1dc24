import { test } from "node:test";
import { expectClean, expectError, expectWarning } from "../security/testing/expect.js";

const head = (name: string) => `apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata:
  name: ${name}
  namespace: istio-system
`;

test("Istio docs examples decode with no diagnostics", () => {
  expectClean(`${head("mesh-default")}spec:
  tracing:
  - providers:
    - name: localtrace
    customTags:
      foo:
        literal:
          value: bar
      cluster:
        environment:
          name: CLUSTER_ID
          defaultValue: unknown
      user-agent:
        header:
          name: User-Agent
    randomSamplingPercentage: 100
---
${head("mesh-logging")}spec:
  accessLogging:
  - providers:
    - name: envoy
    filter:
      expression: response.code >= 400
---
${head("remove-tags")}spec:
  metrics:
  - providers:
    - name: prometheus
    overrides:
    - match:
        metric: REQUEST_COUNT
        mode: CLIENT_AND_SERVER
      tagOverrides:
        request_protocol:
          operation: REMOVE
        request_host:
          value: "request.host"
    - match:
        metric: ALL_METRICS
        mode: CLIENT
      disabled: true
    - match:
        customMetric: my_metric
      disabled: false
    reportingInterval: 15s
---
apiVersion: telemetry.istio.io/v1alpha1
kind: Telemetry
metadata:
  name: workload
  namespace: bookinfo
spec:
  selector:
    matchLabels:
      app: productpage
  tracing:
  - match:
      mode: SERVER
    disableSpanReporting: true
    useRequestIdForTraceSampling: false
  accessLogging:
  - disabled: true
---
${head("waypoint")}spec:
  targetRefs:
  - kind: Gateway
    group: gateway.networking.k8s.io
    name: waypoint
  accessLogging:
  - providers:
    - name: otel
`);
});

test("randomSamplingPercentage is 0..100", () => {
  expectError(`${head("a")}spec:\n  tracing:\n  - randomSamplingPercentage: 101\n`, "spec.tracing[0].randomSamplingPercentage", "between 0 and 100");
});

test("provider names may not be empty", () => {
  expectError(`${head("a")}spec:\n  metrics:\n  - providers:\n    - name: ""\n`, "spec.metrics[0].providers[0].name", "may not be empty");
});

test("custom tags are a oneof with non-empty values", () => {
  expectError(
    `${head("a")}spec:\n  tracing:\n  - customTags:\n      t:\n        literal:\n          value: x\n        header:\n          name: y\n`,
    "spec.tracing[0].customTags.t",
    "exactly one of literal, environment, header or formatter",
  );
  expectError(`${head("a")}spec:\n  tracing:\n  - customTags:\n      t:\n        literal:\n          value: ""\n`, "spec.tracing[0].customTags.t.literal.value", "may not be empty");
});

test("metric overrides: enums, metric/customMetric exclusive, tag override operations", () => {
  expectError(`${head("a")}spec:\n  metrics:\n  - overrides:\n    - match:\n        metric: REQUESTS\n`, "spec.metrics[0].overrides[0].match.metric", "REQUEST_COUNT");
  expectError(`${head("a")}spec:\n  metrics:\n  - overrides:\n    - match:\n        mode: BOTH\n`, "spec.metrics[0].overrides[0].match.mode", "CLIENT_AND_SERVER, CLIENT, SERVER");
  expectError(
    `${head("a")}spec:\n  metrics:\n  - overrides:\n    - match:\n        metric: REQUEST_COUNT\n        customMetric: x\n`,
    "spec.metrics[0].overrides[0].match",
    "only one of metric or customMetric",
  );
  expectError(
    `${head("a")}spec:\n  metrics:\n  - overrides:\n    - tagOverrides:\n        a:\n          operation: UPSERT\n`,
    "spec.metrics[0].overrides[0].tagOverrides.a.value",
    "must be set when operation is UPSERT",
  );
  expectError(
    `${head("a")}spec:\n  metrics:\n  - overrides:\n    - tagOverrides:\n        a:\n          operation: REMOVE\n          value: x\n`,
    "spec.metrics[0].overrides[0].tagOverrides.a.value",
    "only be set when operation is UPSERT",
  );
});

test("reportingInterval is a duration of at least 1ms", () => {
  expectError(`${head("a")}spec:\n  metrics:\n  - reportingInterval: 10\n`, "spec.metrics[0].reportingInterval", "");
  expectError(`${head("a")}spec:\n  metrics:\n  - reportingInterval: 100us\n`, "spec.metrics[0].reportingInterval", "greater than 1ms");
});

test("selector and targetRef are exclusive; multiple tracing warns", () => {
  expectError(`${head("a")}spec:\n  selector:\n    matchLabels:\n      app: a\n  targetRef:\n    kind: Service\n    name: a\n`, "spec", "only one of selector");
  expectWarning(`${head("a")}spec:\n  tracing:\n  - providers:\n    - name: a\n  - providers:\n    - name: b\n`, "spec.tracing", "multiple tracing");
});

test("access-log filter expressions are checked for closed strings and balanced brackets", () => {
  const tel = (expr: string) => `${head("a")}spec:\n  accessLogging:\n  - filter:\n      expression: '${expr}'\n`;
  expectClean(tel('response.code >= 400 || request.headers["x-debug"] == "true"'));
  expectError(tel("response.code >= 400 && (request.url_path != \"/health\""), "spec.accessLogging[0].filter.expression", 'missing ")"');
  expectError(tel('request.headers["x-debug] == "1"'), "spec.accessLogging[0].filter.expression", "invalid filter expression");
  expectError(tel("   "), "spec.accessLogging[0].filter.expression", "may not be empty");
});

test("Istio docs Telemetry examples (v1alpha1, metrics and logging tasks) decode with no diagnostics", () => {
  const alpha = (name: string, ns = "istio-system") => `apiVersion: telemetry.istio.io/v1alpha1\nkind: Telemetry\nmetadata:\n  name: ${name}\n  namespace: ${ns}\n`;
  expectClean(`${alpha("custom-tags")}spec:
  metrics:
    - overrides:
        - match:
            metric: REQUEST_COUNT
            mode: CLIENT
          tagOverrides:
            destination_x:
              value: upstream_peer.labels['app'].value
        - match:
            metric: REQUEST_COUNT
            mode: SERVER
          tagOverrides:
            source_x:
              value: downstream_peer.labels['app'].value
      providers:
        - name: prometheus
---
${alpha("remove-all-metrics")}spec:
  metrics:
    - providers:
        - name: prometheus
      overrides:
        - disabled: true
          match:
            mode: CLIENT_AND_SERVER
            metric: ALL_METRICS
---
${alpha("disable-httpbin-logging", "default")}spec:
  selector:
    matchLabels:
      app: httpbin
  accessLogging:
  - providers:
    - name: envoy
    match:
      mode: SERVER
    disabled: true
---
${alpha("default-exception-logging")}spec:
  accessLogging:
  - providers:
    - name: envoy
    filter:
      expression: "response.code >= 400 || xds.cluster_name == 'BlackHoleCluster' ||  xds.cluster_name == 'PassthroughCluster' "
---
${alpha("mesh-default")}spec:
  tracing:
    - providers:
        - name: "zipkin"
      randomSamplingPercentage: 100.00
      customTags:
        "cluster_id":
          environment:
            name: ISTIO_META_CLUSTER_ID
            defaultValue: Kubernetes # optional
`);
});
