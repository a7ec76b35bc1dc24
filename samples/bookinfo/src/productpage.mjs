// Bookinfo productpage: /productpage renders the book with details and reviews; /login, /logout
// (cookie `user`, sent on as `end-user`); the /api/v1/products API. As Istio's productpage it calls
// details with a 3 s timeout and reviews with a 3 s timeout and one retry (the fault-injection task
// relies on that).
import { forwardHeaders, parseJson, readBody, request, sendJson, serve, serviceUrl } from "./mesh-http.mjs";

const PRODUCTS = [{
  id: 0,
  title: "The Comedy of Errors",
  descriptionHtml: '<a href="https://en.wikipedia.org/wiki/The_Comedy_of_Errors">Wikipedia Summary</a>: The Comedy of Errors is one of <b>William Shakespeare\'s</b> early plays. It is his shortest and one of his most farcical comedies, with a major part of the humour coming from slapstick and mistaken identity, in addition to puns and word play.',
}];

/** @param {string} s */
const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** @param {string | undefined} header */
function userFromCookie(header) {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === "user") {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** @param {import("node:http").IncomingMessage} req */
function outboundHeaders(req) {
  const h = forwardHeaders(req.headers);
  const user = userFromCookie(req.headers.cookie);
  if (user) h["end-user"] = user;
  return h;
}

/** @returns {Promise<{ status: number, body: any }>} */
async function getDetails(id, headers) {
  const r = await request(`${serviceUrl("details")}/details/${id}`, { headers, timeoutMs: 3000 });
  if (r.status === 200) return { status: 200, body: parseJson(r.body) ?? {} };
  return { status: r.status || 500, body: { error: "Sorry, product details are currently unavailable for this book." } };
}

/** @returns {Promise<{ status: number, body: any }>} */
async function getReviews(id, headers) {
  let r = { status: 0, body: "" };
  for (let attempt = 0; attempt < 2; attempt++) { // one retry, as Istio's productpage
    r = await request(`${serviceUrl("reviews")}/reviews/${id}`, { headers, timeoutMs: 3000 });
    if (r.status === 200) return { status: 200, body: parseJson(r.body) ?? {} };
  }
  return { status: r.status || 500, body: { error: "Sorry, product reviews are currently unavailable for this book." } };
}

/** @returns {Promise<{ status: number, body: any }>} */
async function getRatings(id, headers) {
  const r = await request(`${serviceUrl("ratings")}/ratings/${id}`, { headers, timeoutMs: 3000 });
  if (r.status === 200) return { status: 200, body: parseJson(r.body) ?? {} };
  return { status: r.status || 500, body: { error: "Sorry, product ratings are currently unavailable for this book." } };
}

/** @param {any} rating */
function starsHtml(rating) {
  if (!rating || typeof rating !== "object") return "";
  if (typeof rating.stars === "number") {
    const full = Math.max(0, Math.min(5, Math.trunc(rating.stars)));
    const star = '<span class="glyphicon glyphicon-star"></span>';
    const empty = '<span class="glyphicon glyphicon-star-empty"></span>';
    return `<font color="${escapeHtml(rating.color ?? "black")}">${star.repeat(full)}${empty.repeat(5 - full)}</font>`;
  }
  if (typeof rating.error === "string") return `<p><i>${escapeHtml(rating.error)}</i></p>`;
  return "";
}

function renderPage(product, user, details, reviews) {
  const detailsHtml = details.status === 200
    ? `<h4 class="text-center text-primary">Book Details</h4><dl>${["type", "pages", "publisher", "language", "ISBN-10", "ISBN-13"].map((k) => `<dt>${escapeHtml(k)}:</dt><dd>${escapeHtml(details.body[k] ?? "")}</dd>`).join("")}</dl>`
    : `<h4 class="text-center text-primary">Error fetching product details!</h4><p>${escapeHtml(details.body.error)}</p>`;
  const list = Array.isArray(reviews.body.reviews) ? reviews.body.reviews : [];
  const reviewsHtml = reviews.status === 200
    ? `<h4 class="text-center text-primary">Book Reviews</h4>${list.map((r) => `<blockquote><p>${escapeHtml(r.text ?? "")}</p><small>${escapeHtml(r.reviewer ?? "")}</small>${starsHtml(r.rating)}</blockquote>`).join("")}<dl><dt>Reviews served by:</dt><dd><u>${escapeHtml(reviews.body.podname ?? "")}</u></dd></dl>`
    : `<h4 class="text-center text-primary">Error fetching product reviews!</h4><p>${escapeHtml(reviews.body.error)}</p>`;
  const sign = user
    ? `<p class="navbar-text">signed in as <b>${escapeHtml(user)}</b></p><a href="logout">sign out</a>`
    : `<form method="post" action="login"><input type="text" name="username" placeholder="User Name"><input type="password" name="passwd" placeholder="Password"><button type="submit">Sign in</button></form>`;
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Simple Bookstore App</title></head>
<body>
<nav class="navbar"><a class="navbar-brand" href="#">BookInfo Sample</a>${sign}</nav>
<div class="container">
<h3 class="text-center text-primary">${escapeHtml(product.title)}</h3>
<p>Summary: ${product.descriptionHtml}</p>
<div class="row"><div class="col-md-6">${detailsHtml}</div><div class="col-md-6">${reviewsHtml}</div></div>
</div>
</body></html>
`;
}

/**
 * @param {import("node:http").ServerResponse} res
 * @param {string} location
 * @param {string} cookie
 */
function redirect(res, location, cookie) {
  res.writeHead(302, { location, "set-cookie": cookie, "content-length": 0 });
  res.end();
}

/** Page views by outcome, exposed on /metrics as Istio's productpage does (its Deployment carries prometheus.io/* annotations). */
const pageViews = { ok: 0, reviewsUnavailable: 0 };

function metricsText() {
  return [
    "# HELP productpage_page_views_total Product pages served, by whether reviews could be fetched.",
    "# TYPE productpage_page_views_total counter",
    `productpage_page_views_total{reviews="ok"} ${pageViews.ok}`,
    `productpage_page_views_total{reviews="unavailable"} ${pageViews.reviewsUnavailable}`,
    "",
  ].join("\n");
}

serve("productpage", async (req, res, url) => {
  const path = url.pathname;
  if (path === "/health") return sendJson(res, 200, { status: "Product page is healthy" });
  if (path === "/metrics") {
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
    return res.end(metricsText());
  }
  if (path === "/" || path === "/index.html") {
    res.writeHead(200, { "content-type": "text/html" });
    return res.end('<html><body><h3>Simple Bookstore App</h3><a href="productpage?u=normal">Normal user</a> <a href="productpage?u=test">Test user</a></body></html>');
  }
  if (path === "/login" && req.method === "POST") {
    const form = new URLSearchParams(await readBody(req));
    const user = form.get("username") ?? "";
    return redirect(res, "/productpage", `user=${encodeURIComponent(user)}; Path=/`);
  }
  if (path === "/logout") return redirect(res, "/productpage", "user=; Path=/; Max-Age=0");
  const headers = outboundHeaders(req);
  if (path === "/productpage") {
    const product = PRODUCTS[0];
    const [details, reviews] = await Promise.all([getDetails(product.id, headers), getReviews(product.id, headers)]);
    if (reviews.status === 200) pageViews.ok++;
    else pageViews.reviewsUnavailable++;
    const html = renderPage(product, userFromCookie(req.headers.cookie), details, reviews);
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "content-length": Buffer.byteLength(html) });
    return res.end(html);
  }
  if (path === "/api/v1/products") return sendJson(res, 200, PRODUCTS);
  const m = /^\/api\/v1\/products\/([^/]+)(?:\/(reviews|ratings))?$/.exec(path);
  if (m && req.method === "GET") {
    const id = m[1] ?? "";
    if (!Number.isInteger(Number(id))) return sendJson(res, 400, { error: "please provide numeric product id" });
    const r = m[2] === "reviews" ? await getReviews(id, headers) : m[2] === "ratings" ? await getRatings(id, headers) : await getDetails(id, headers);
    return sendJson(res, r.status, r.body);
  }
  sendJson(res, 404, { error: "not found" });
});
