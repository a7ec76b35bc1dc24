// Bookinfo details: /details/<id> returns the book's details (as Istio's details service).
import { sendJson, serve } from "./mesh-http.mjs";

serve("details", (req, res, url) => {
  if (url.pathname === "/health") return sendJson(res, 200, { status: "Details is healthy" });
  const m = /^\/details\/([^/]*)$/.exec(url.pathname);
  if (!m || req.method !== "GET") return sendJson(res, 404, { error: "not found" });
  const id = Number(m[1]);
  if (m[1] === "" || !Number.isInteger(id)) return sendJson(res, 400, { error: "please provide numeric product id" });
  sendJson(res, 200, {
    id, author: "William Shakespeare", year: 1595, type: "paperback", pages: 200, publisher: "PublisherA",
    language: "English", "ISBN-10": "1234567890", "ISBN-13": "123-1234567890",
  });
});
