// Bookinfo reviews: /reviews/<id> in Istio's JSON shape. SERVICE_VERSION picks v1 (no ratings),
// v2 (black stars) or v3 (red stars); ENABLE_RATINGS and STAR_COLOR override as in Istio's image.
// Ratings are fetched with a 10 s timeout for black stars and 2.5 s otherwise, as Istio's reviews.
import os from "node:os";
import { forwardHeaders, parseJson, request, sendJson, serve, serviceUrl } from "./mesh-http.mjs";

const version = process.env["SERVICE_VERSION"] ?? "v1";
const ratingsEnabled = (process.env["ENABLE_RATINGS"] ?? String(version !== "v1")) === "true";
const starColor = process.env["STAR_COLOR"] ?? (version === "v3" ? "red" : "black");
const ratingsTimeoutMs = starColor === "black" ? 10_000 : 2_500;

const REVIEWS = [
  { reviewer: "Reviewer1", text: "An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!" },
  { reviewer: "Reviewer2", text: "Absolutely fun and entertaining. The play lacks thematic depth when compared to other plays by Shakespeare." },
];

/**
 * @param {string} id
 * @param {Record<string, string>} headers
 * @returns {Promise<Record<string, number> | undefined>}
 */
async function fetchRatings(id, headers) {
  const r = await request(`${serviceUrl("ratings")}/ratings/${id}`, { headers, timeoutMs: ratingsTimeoutMs });
  if (r.status !== 200) return undefined;
  const body = parseJson(r.body);
  return body && typeof body.ratings === "object" && body.ratings !== null ? body.ratings : undefined;
}

serve(`reviews-${version}`, async (req, res, url) => {
  if (url.pathname === "/health") return sendJson(res, 200, { status: "Reviews is healthy" });
  const m = /^\/reviews\/([^/]*)$/.exec(url.pathname);
  if (!m || req.method !== "GET") return sendJson(res, 404, { error: "not found" });
  const id = m[1] ?? "";
  if (id === "" || !Number.isInteger(Number(id))) return sendJson(res, 400, { error: "please provide numeric product id" });
  const ratings = ratingsEnabled ? await fetchRatings(id, forwardHeaders(req.headers)) : undefined;
  const reviews = REVIEWS.map((r) => {
    if (!ratingsEnabled) return { ...r };
    const stars = ratings?.[r.reviewer];
    if (ratings === undefined) return { ...r, rating: { error: "Ratings service is currently unavailable" } };
    return typeof stars === "number" ? { ...r, rating: { stars, color: starColor } } : { ...r };
  });
  sendJson(res, 200, { id, podname: process.env["HOSTNAME"] ?? os.hostname(), clustername: process.env["CLUSTER_NAME"] ?? "null", reviews });
});
