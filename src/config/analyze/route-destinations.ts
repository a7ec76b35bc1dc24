// The destinations of a VirtualService's http, tcp and tls routes, and its http mirrors.
import { asArray, type DestinationView, type VirtualServiceSpecView } from "./views.js";

export interface AnnotatedDestination {
  destination: DestinationView;
  /** "http", "tcp", "tls" or "http.mirror". */
  routeRule: string;
  ruleIndex: number;
  destinationIndex: number;
}

export function routeDestinations(vs: VirtualServiceSpecView): AnnotatedDestination[] {
  const out: AnnotatedDestination[] = [];
  const add = (routeRule: string, rules: { route?: { destination?: DestinationView }[] }[] | undefined) => {
    asArray(rules).forEach((rule, ruleIndex) => {
      asArray(rule?.route).forEach((rd, destinationIndex) => {
        if (rd?.destination) out.push({ destination: rd.destination, routeRule, ruleIndex, destinationIndex });
      });
    });
  };
  add("http", vs.http);
  add("tcp", vs.tcp);
  add("tls", vs.tls);
  return out;
}

export function mirrorDestinations(vs: VirtualServiceSpecView): AnnotatedDestination[] {
  const out: AnnotatedDestination[] = [];
  asArray(vs.http).forEach((rule, ruleIndex) => {
    if (rule?.mirror) out.push({ destination: rule.mirror, routeRule: "http.mirror", ruleIndex, destinationIndex: 0 });
  });
  return out;
}
