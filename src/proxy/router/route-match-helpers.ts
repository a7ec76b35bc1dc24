// Small matching helpers shared by the route table and the HTTP filters.
import { testStringMatch, type StringMatch } from "./string-match.js";
export { testHeaderMatch, queryParam } from "./header-match.js";

export function testStringMatchOrPresent(m: StringMatch | null, value: string | undefined): boolean {
  if (value === undefined) return false;
  return m === null || testStringMatch(m, value);
}
