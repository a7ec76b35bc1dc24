import { test } from "node:test";
import { expectClean, expectError } from "../security/testing/expect.js";

test("Namespace, ServiceAccount, Service, Pod and Deployment from real manifests decode cleanly", () => {
  expectClean(`apiVersion: v1
kind: Namespace
metadata:
  name: bookinfo
  labels:
    istio-injection: enabled
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: bookinfo-details
  labels:
    account: details
---
apiVersion: v1
kind: Service
metadata:
  name: details
  labels:
    app: details
    service: details
spec:
  ports:
  - port: 9080
    name: http
  selector:
    app: details
---
apiVersion: v1
kind: Service
metadata:
  name: multi
spec:
  type: NodePort
  ports:
  - port: 80
    name: http-web
    targetPort: web
    appProtocol: http
  - port: 9090
    name: grpc
    protocol: TCP
    targetPort: 9091
    appProtocol: grpc
  selector:
    app: multi
---
apiVersion: v1
kind: Service
metadata:
  name: headless
spec:
  clusterIP: None
  selector:
    app: db
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: details-v1
  labels:
    app: details
    version: v1
spec:
  replicas: 1
  selector:
    matchLabels:
      app: details
      version: v1
  template:
    metadata:
      labels:
        app: details
        version: v1
      annotations:
        sidecar.istio.io/inject: "true"
    spec:
      serviceAccountName: bookinfo-details
      containers:
      - name: details
        image: docker.io/istio/examples-bookinfo-details-v1:1.20.3
        imagePullPolicy: IfNotPresent
        command: ["node", "details.js"]
        args: ["--port", "9080"]
        env:
        - name: LOG_DIR
          value: "/tmp/logs"
        - name: POD_NAME
          valueFrom:
            fieldRef:
              fieldPath: metadata.name
        ports:
        - containerPort: 9080
          name: http
        volumeMounts:
        - name: tmp
          mountPath: /tmp
        securityContext:
          runAsUser: 1000
        resources:
          requests:
            cpu: 10m
      volumes:
      - name: tmp
        emptyDir: {}
---
apiVersion: v1
kind: Pod
metadata:
  name: sleep
spec:
  containers:
  - name: sleep
    image: curlimages/curl
    command: ["/bin/sleep", "infinity"]
  initContainers:
  - name: init
    image: busybox
  tolerations: []
  nodeSelector:
    kubernetes.io/os: linux
`);
});

test("Service ports: range, names required when several and unique, targetPort, protocol", () => {
  const svc = (ports: string) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  selector:\n    app: a\n  ports:\n${ports}`;
  expectError(svc("  - port: 70000\n"), "spec.ports[0].port", "between 1 and 65535");
  expectError(svc("  - port: 80\n  - port: 81\n    name: b\n"), "spec.ports[0].name", "required when a service has more than one port");
  expectError(svc("  - port: 80\n    name: web\n  - port: 81\n    name: web\n"), "spec.ports[1].name", "duplicate port name");
  expectError(svc("  - port: 80\n    targetPort: Web_Port\n"), "spec.ports[0].targetPort", "IANA service name");
  expectError(svc("  - port: 80\n    targetPort: 0\n"), "spec.ports[0].targetPort", "between 1 and 65535");
  expectError(svc("  - port: 80\n    protocol: HTTP\n"), "spec.ports[0].protocol", "TCP, UDP, SCTP");
  expectError(`apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  selector:\n    app: a\n`, "spec.ports", "ports are required");
  expectError(`apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  clusterIP: 10.0.0.300\n  ports:\n  - port: 80\n`, "spec.clusterIP", "must be an IP address");
});

test("Deployment selector must match the template labels", () => {
  const dep = (selector: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  selector:
${selector}
  template:
    metadata:
      labels:
        app: a
        version: v1
    spec:
      containers:
      - name: a
        image: a
`;
  expectError(dep("    matchLabels:\n      app: b"), "spec.template.metadata.labels", "selector does not match template labels");
  expectError(dep("    matchExpressions:\n    - key: version\n      operator: NotIn\n      values: [v1]"), "spec.template.metadata.labels", "selector does not match");
  expectError(dep("    matchLabels: {}"), "spec.selector", "empty selector is invalid");
  expectClean(dep("    matchLabels:\n      app: a\n    matchExpressions:\n    - key: version\n      operator: In\n      values: [v1, v2]"));
});

test("Pod containers: name, image, ports, env and unknown fields", () => {
  const pod = (container: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: app\n${container}`;
  expectError(pod("    args: [a]\n"), "spec.containers[0].image", "image is required");
  expectClean(pod("    command: [node, server.js]\n"));
  expectError(pod("    image: a\n    ports:\n    - containerPort: 0\n"), "spec.containers[0].ports[0].containerPort", "between 1 and 65535");
  expectError(pod("    image: a\n    ports:\n    - containerPort: 80\n      name: this-name-is-far-too-long\n"), "spec.containers[0].ports[0].name", "IANA");
  expectError(pod("    image: a\n    env:\n    - name: A=B\n      value: x\n"), "spec.containers[0].env[0].name", "other than '='");
  expectError(pod("    image: a\n    comand: [a]\n"), "spec.containers[0].comand", "unknown field");
  expectError(`apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: a\n  - name: a\n    image: b\n`, "spec.containers[1].name", "duplicate container name");
  expectError(`apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers: []\n`, "spec.containers", "at least one container");
});

test("ConfigMap keys, binaryData base64", () => {
  expectClean(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  app.conf: "x=1"\nbinaryData:\n  blob: aGVsbG8=\n`);
  expectError(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\nbinaryData:\n  blob: "not base64!"\n`, "binaryData.blob", "not valid base64");
  expectError(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  "a b": x\n`, 'data["a b"]', "invalid key");
});

test("null fields read as unset, as Kubernetes reads them", () => {
  expectClean(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: prometheus
spec:
  selector:
    matchLabels:
      app: prometheus
  strategy:
    type: Recreate
    rollingUpdate: null
  template:
    metadata:
      labels:
        app: prometheus
      creationTimestamp: null
    spec:
      containers:
      - name: prometheus
        image: prom/prometheus
        env:
`);
});

test("mesh config is checked in ConfigMap istio and istio-<revision>, not in other istio- ConfigMaps", () => {
  const cm = (name: string, data: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: istio-system\ndata:\n${data}`;
  expectError(cm("istio-canary", "  mesh: |\n    accessLogEncoding: XML\n"), "data.mesh", "accessLogEncoding: accessLogEncoding must be one of TEXT, JSON");
  expectClean(cm("istio-ca-root-cert", "  root-cert.pem: |\n    not checked here\n"));
  expectClean(cm("istio-sidecar-injector", "  values: '{}'\n"));
});
