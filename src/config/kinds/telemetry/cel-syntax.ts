// A cheap syntax check for the CEL expressions of access-log filters: closed string literals and
// balanced brackets. Envoy compiles the expression; this catches the typos that would make it
// reject the whole listener.

const closing: Record<string, string> = { "(": ")", "[": "]", "{": "}" };

export function checkCelSyntax(expr: string): string | undefined {
  if (expr.trim() === "") return "expression may not be empty";
  const stack: string[] = [];
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i] ?? "";
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < expr.length && expr[j] !== c) j += expr[j] === "\\" ? 2 : 1;
      if (j >= expr.length) return `unterminated string literal starting at offset ${i}`;
      i = j;
    } else if (closing[c] !== undefined) {
      stack.push(closing[c]);
    } else if (c === ")" || c === "]" || c === "}") {
      if (stack.pop() !== c) return `unbalanced "${c}" at offset ${i}`;
    }
  }
  const open = stack.pop();
  return open === undefined ? undefined : `missing "${open}" at the end of the expression`;
}
