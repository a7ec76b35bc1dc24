// Bookinfo ratings: GET /ratings/<id> returns the reviewers' stars; POST /ratings/<id> sets them
// (JSON body {"Reviewer1": n, "Reviewer2": m}, 1..5), as Istio's ratings service.
import { parseJson, readBody, sendJson, serve } from "./mesh-http.mjs";

/** @type {Map<number, Record<string, number>>} */
const posted = new Map();

serve("ratings", async (req, res, url) => {
  if (url.pathname === "/health") return sendJson(res, 200, { status: "Ratings is healthy" });
  const m = /^\/ratings\/([^/]*)$/.exec(url.pathname);
  if (!m) return sendJson(res, 404, { error: "not found" });
  const id = Number(m[1]);
  if (m[1] === "" || !Number.isInteger(id)) return sendJson(res, 400, { error: "please provide numeric product ID" });
  if (req.method === "POST") {
    const body = parseJson(await readBody(req));
    const entries = body && typeof body === "object" && !Array.isArray(body) ? Object.entries(body) : [];
    if (entries.length === 0 || entries.some(([, v]) => !Number.isInteger(v) || v < 1 || v > 5)) {
      return sendJson(res, 400, { error: "please provide numeric ratings between 1 and 5" });
    }
    posted.set(id, Object.fromEntries(entries));
    return sendJson(res, 200, { id, ratings: posted.get(id) });
  }
  if (req.method !== "GET") return sendJson(res, 405, { error: "method not allowed" });
  sendJson(res, 200, { id, ratings: posted.get(id) ?? { Reviewer1: 5, Reviewer2: 4 } });
});
