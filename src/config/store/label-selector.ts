// Kubernetes label selectors: matchLabels plus matchExpressions (In, NotIn, Exists, DoesNotExist).

export type SelectorOperator = "In" | "NotIn" | "Exists" | "DoesNotExist";

export interface LabelSelectorRequirement {
  key: string;
  operator: SelectorOperator;
  values?: readonly string[];
}

export interface LabelSelector {
  matchLabels?: Readonly<Record<string, string>>;
  matchExpressions?: readonly LabelSelectorRequirement[];
}

/**
 * True when `labels` satisfy every requirement of `selector`. As in Kubernetes, an empty selector
 * (no labels, no expressions) matches everything.
 */
export function matchesSelector(selector: LabelSelector, labels: Readonly<Record<string, string>> | undefined): boolean {
  const have = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (have[k] !== v) return false;
  }
  for (const req of selector.matchExpressions ?? []) {
    if (!matchesRequirement(req, have)) return false;
  }
  return true;
}

function matchesRequirement(req: LabelSelectorRequirement, labels: Readonly<Record<string, string>>): boolean {
  const present = Object.prototype.hasOwnProperty.call(labels, req.key);
  const value = labels[req.key];
  switch (req.operator) {
    case "In":
      return present && value !== undefined && (req.values ?? []).includes(value);
    case "NotIn":
      // Kubernetes: NotIn matches when the key is absent too.
      return !present || value === undefined || !(req.values ?? []).includes(value);
    case "Exists":
      return present;
    case "DoesNotExist":
      return !present;
    default:
      return false;
  }
}

/** `app=reviews,version=v1`: Kubernetes' selector string for a label set, keys sorted. */
export function selectorString(matchLabels: Readonly<Record<string, string>> | undefined): string {
  return Object.keys(matchLabels ?? {})
    .sort()
    .map((k) => `${k}=${(matchLabels ?? {})[k] ?? ""}`)
    .join(",");
}
