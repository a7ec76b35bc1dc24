// IST0128: a DestinationRule originating TLS (SIMPLE or MUTUAL) without caCertificates does not
// verify the server's certificate.
import type { Analyzer } from "../analyzer.js";
import { Messages } from "../messages.js";
import { specOf, type DestinationRuleSpecView } from "../views.js";

export const caCertificatesAnalyzer: Analyzer = {
  name: "destinationrule.CaCertificateAnalyzer",
  description: "Checks if caCertificates is set when TLS mode is SIMPLE/MUTUAL",
  analyze(ctx) {
    for (const r of ctx.list("DestinationRule")) {
      const dr = specOf<DestinationRuleSpecView>(r);
      const tls = dr.trafficPolicy?.tls;
      const mode = tls?.mode;
      if (!tls || (mode !== "SIMPLE" && mode !== "MUTUAL")) continue;
      // A credentialName supplies the CA too; insecureSkipVerify is an explicit opt-out.
      if (tls.caCertificates || tls.credentialName || tls.insecureSkipVerify) continue;
      ctx.report(Messages.noServerCertificateVerificationDestinationLevel(r, r.metadata.name, r.metadata.namespace ?? "default", mode, dr.host ?? ""));
    }
  },
};
