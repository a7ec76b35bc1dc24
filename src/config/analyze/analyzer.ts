// The analyzer contract: a name (as istioctl lists them), what it checks, and a pure pass over the context.
import type { AnalysisContext } from "./context.js";

export interface Analyzer {
  name: string;
  description: string;
  analyze(ctx: AnalysisContext): void;
}
