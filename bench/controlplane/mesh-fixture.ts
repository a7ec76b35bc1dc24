// The benchmark mesh: N Services (one HTTP port each), their workloads as live updates, and one
// VirtualService whose weights the benchmark edits.

export function serviceManifests(n: number): string {
  const docs: string[] = [];
  for (let i = 0; i < n; i++) {
    docs.push(`apiVersion: v1
kind: Service
metadata:
  name: svc-${i}
  namespace: default
spec:
  selector: {app: svc-${i}}
  ports:
  - name: http
    port: 8080
`);
  }
  docs.push(`apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: svc-0
  namespace: default
spec:
  host: svc-0
  subsets:
  - name: v1
    labels: {version: v1}
  - name: v2
    labels: {version: v2}
`);
  return docs.join("---\n");
}

export function virtualService(v1: number): string {
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: svc-0
  namespace: default
spec:
  hosts: [svc-0]
  http:
  - route:
    - destination: {host: svc-0, subset: v1}
      weight: ${v1}
    - destination: {host: svc-0, subset: v2}
      weight: ${100 - v1}
`;
}

export function workloadUpdates(services: number, perService: number): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < services; i++) {
    for (let j = 0; j < perService; j++) {
      const n = i * perService + j;
      out.push({ op: "upsert", workload: { name: `svc-${i}-${j}`, namespace: "default", address: `10.${16 + Math.floor(n / 65536)}.${Math.floor(n / 256) % 256}.${n % 256}`, labels: { app: `svc-${i}`, version: j % 2 === 0 ? "v1" : "v2" } } });
    }
  }
  return out;
}
