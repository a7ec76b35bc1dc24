// The traffic simulator: where a request goes, given one proxy's generated resources.
export { TrafficSimulator, type SimRequest, type SimResult } from "./simulator.js";
export { selectFilterChain, type ConnectionFacts } from "./filter-chain-match.js";
