// A gateway's xDS relay (as Istio's pilot-agent proxies xDS): the gateway's proxy dials ADS here;
// every request except SDS passes to the control plane unchanged, and SDS is answered from the
// gateway's credentials (`kubernetes://<credentialName>` secrets from the Secrets applied to the
// mesh). update() pushes changed credentials to the connected proxy, which uses them for new TLS
// handshakes: certificate rotation without a restart. State of the world only (the proxy's default).
import * as grpc from "@grpc/grpc-js";
import { discoveryRequestCodec, discoveryResponseCodec, SOTW_METHOD_PATH } from "../../../api/envoy/discovery.js";
import { encodeEnvoyJson } from "../../../api/envoy/from-envoy-json.js";
import { SDS_TYPE_URL, SECRET_TYPE } from "../../../api/envoy/type-urls.js";
import { errorMessage } from "../../../errors.js";
import type { EnvoyJson } from "../../../proxy/contracts.js";

const raw = (b: Buffer): Buffer => b;

export interface SdsRelay {
  readonly port: number;
  /** Replaces the served secrets and pushes them to subscribed proxies. */
  update(secrets: readonly EnvoyJson[]): void;
  close(): Promise<void>;
}

interface Subscriber {
  names: string[] | undefined;
  push(): void;
}

export async function startSdsRelay(upstream: string, initial: readonly EnvoyJson[], log: (line: string) => void): Promise<SdsRelay> {
  let secrets = [...initial];
  let version = 1;
  const subscribers = new Set<Subscriber>();
  const client = new grpc.Client(upstream, grpc.credentials.createInsecure());
  const server = new grpc.Server();

  server.addService({
    StreamAggregatedResources: { path: SOTW_METHOD_PATH, requestStream: true, responseStream: true, requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw },
  }, {
    StreamAggregatedResources: (down: grpc.ServerDuplexStream<Buffer, Buffer>) => {
      const up = client.makeBidiStreamRequest(SOTW_METHOD_PATH, raw, raw, down.metadata);
      let nonce = 0;
      const sub: Subscriber = {
        names: undefined,
        push: () => {
          const wanted = sub.names;
          const chosen = secrets.filter((s) => !wanted || wanted.length === 0 || wanted.includes(String(s["name"])));
          const resources = chosen.map((s) => ({ type_url: SDS_TYPE_URL, value: encodeEnvoyJson(SECRET_TYPE, s) }));
          down.write(discoveryResponseCodec.serialize({ version_info: `credentials-${version}`, resources, type_url: SDS_TYPE_URL, nonce: `sds-${++nonce}` }));
        },
      };
      up.on("data", (b: Buffer) => down.write(b));
      up.on("error", (e: Error) => { log(`xds relay: control plane stream: ${errorMessage(e)}`); down.end(); });
      up.on("end", () => down.end());
      down.on("data", (b: Buffer) => {
        let typeUrl = "";
        let names: string[] = [];
        let ack = false;
        try {
          const req = discoveryRequestCodec.deserialize(b);
          typeUrl = req.type_url ?? "";
          names = [...(req.resource_names ?? [])].sort();
          ack = (req.response_nonce ?? "") !== "";
        } catch (e) {
          log(`xds relay: undecodable request: ${errorMessage(e)}`);
        }
        if (typeUrl !== SDS_TYPE_URL) {
          up.write(b);
          return;
        }
        subscribers.add(sub);
        // An ACK or NACK of the same names needs no answer; a new subscription does.
        const same = sub.names !== undefined && sub.names.join("\n") === names.join("\n");
        sub.names = names;
        if (!(ack && same)) sub.push();
      });
      const finish = (): void => {
        subscribers.delete(sub);
        up.cancel();
      };
      down.on("end", () => { finish(); down.end(); });
      down.on("error", finish);
      down.on("cancelled", finish);
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  return {
    port,
    update(next) {
      secrets = [...next];
      version++;
      for (const s of subscribers) s.push();
    },
    close() {
      client.close();
      return new Promise((resolve) => server.tryShutdown(() => resolve()));
    },
  };
}
