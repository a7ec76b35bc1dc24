// Registers Envoy's built-in load balancing policies.
import { LeastRequestLb } from "./least-request.js";
import { registerLoadBalancer } from "./load-balancer.js";
import { MaglevLb } from "./maglev.js";
import { RandomLb } from "./random.js";
import { RingHashLb } from "./ring-hash.js";
import { RoundRobinLb } from "./round-robin.js";

registerLoadBalancer("ROUND_ROBIN", () => new RoundRobinLb());
registerLoadBalancer("LEAST_REQUEST", (c) => new LeastRequestLb(c));
registerLoadBalancer("RANDOM", () => new RandomLb());
registerLoadBalancer("RING_HASH", (c) => new RingHashLb(c));
registerLoadBalancer("MAGLEV", () => new MaglevLb());

export * from "./load-balancer.js";
