// Envoy evaluates Istio's regexes with RE2, which has no lookaround or backreferences. JavaScript
// accepts those, so they are rejected here explicitly before checking that the pattern compiles.

const maxRegexLength = 1024;

export function checkRe2(pattern: string): string | undefined {
  if (pattern.length > maxRegexLength) return `regex is longer than ${maxRegexLength} characters`;
  const unsupported = findUnsupported(pattern);
  if (unsupported) return `regex "${pattern}" is not valid RE2: ${unsupported} is not supported`;
  try {
    new RegExp(toJs(pattern));
  } catch (e) {
    const why = e instanceof Error ? e.message.replace(/^Invalid regular expression: /, "") : "does not compile";
    return `regex "${pattern}" is invalid: ${why}`;
  }
  return undefined;
}

function findUnsupported(p: string): string | undefined {
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === "\\") {
      const n = p[i + 1] ?? "";
      if (/[1-9]/.test(n)) return `backreference \\${n}`;
      if (n === "k" && p[i + 2] === "<") return "named backreference \\k<…>";
      i++;
      continue;
    }
    if (c === "[") {
      // skip a character class: nothing special inside except escapes
      let j = i + 1;
      if (p[j] === "^") j++;
      if (p[j] === "]") j++;
      while (j < p.length && p[j] !== "]") j += p[j] === "\\" ? 2 : 1;
      i = j;
      continue;
    }
    if (c === "(" && p[i + 1] === "?") {
      const rest = p.slice(i + 2, i + 4);
      if (rest.startsWith("=")) return "lookahead (?=…)";
      if (rest.startsWith("!")) return "negative lookahead (?!…)";
      if (rest === "<=") return "lookbehind (?<=…)";
      if (rest === "<!") return "negative lookbehind (?<!…)";
    }
    if ((c === "+" || c === "*" || c === "?" || c === "}") && p[i + 1] === "+") return "possessive quantifier";
  }
  return undefined;
}

/** Rewrites RE2-only syntax (named groups (?P<n>…), inline flags) so JavaScript can check the rest compiles. */
function toJs(p: string): string {
  return p
    .replace(/\(\?P</g, "(?<")
    .replace(/\(\?[imsU-]+\)/g, "")
    .replace(/\(\?[imsU-]+:/g, "(?:")
    .replace(/\\[AzQE]/g, "")
    .replace(/\[\[:[a-z]+:\]\]/g, "\\w")
    .replace(/\\p\{[A-Za-z_]+\}|\\p[A-Z]|\\P\{[A-Za-z_]+\}|\\P[A-Z]/g, "\\w");
}
