// What an access log line is made of: the request record plus the request headers (a header
// source, read lazily) and the response headers when the codec kept them.
import type { HttpRequestRecord } from "../../proxy/http/request-record.js";

export interface HeaderLookup {
  get(name: string): string | undefined;
}

export interface AccessLogEntry {
  readonly record: HttpRequestRecord;
  readonly requestHeaders?: HeaderLookup;
  readonly responseHeaders?: HeaderLookup;
}
