// Istio's control-plane metric names (pilot_*), fed by the push loop and the ADS tracking.
import { XDS_SHORT_NAMES } from "../../api/envoy/type-urls.js";
import { Counter, Gauge, Histogram, MetricsRegistry } from "./metrics.js";

const SECONDS = [0.01, 0.1, 0.5, 1, 3, 5, 10, 20, 30];
const BYTES = [1, 10_000, 1_000_000, 4_000_000, 10_000_000, 40_000_000];

export function shortType(typeUrl: string): string {
  return (XDS_SHORT_NAMES[typeUrl] ?? typeUrl.split(".").pop() ?? typeUrl).toLowerCase();
}

export class PilotMetrics {
  readonly registry = new MetricsRegistry();
  readonly pushes = this.registry.add(new Counter("pilot_xds_pushes", "Pilot build and send errors for lds, rds, cds and eds."));
  readonly convergence = this.registry.add(new Histogram("pilot_proxy_convergence_time", "Delay in seconds between config change and a proxy receiving all required configuration.", SECONDS));
  readonly configSize = this.registry.add(new Histogram("pilot_xds_config_size_bytes", "Distribution of configuration sizes pushed to clients", BYTES));
  readonly rejects = this.registry.add(new Counter("pilot_total_xds_rejects", "Total number of XDS responses from pilot rejected by proxy."));
  readonly debounce = this.registry.add(new Histogram("pilot_debounce_time", "Delay in seconds between the first config enters debouncing and the merged push request is pushed into the push queue.", SECONDS));
  readonly pushTime = this.registry.add(new Histogram("pilot_xds_push_time", "Total time in seconds Pilot takes to push lds, rds, cds and eds.", SECONDS));
  readonly triggers = this.registry.add(new Counter("pilot_push_triggers", "Total number of times a push was triggered, labeled by reason for the push."));
  readonly configErrors = this.registry.add(new Counter("mizzen_config_errors_total", "Configuration documents rejected by validation (the last good version keeps serving)."));

  constructor(connected: () => number) {
    this.registry.add(new Gauge("pilot_xds", "Number of endpoints connected to this pilot using XDS.", connected));
  }
}
