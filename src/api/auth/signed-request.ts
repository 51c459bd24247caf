/** What the authenticator needs to know about one HTTP request, independent of the web framework. */
export interface SignedRequest {
  /** Upper-case HTTP method, e.g. 'GET' or 'POST'. */
  readonly method: string;
  /** Raw request path without the query string, e.g. '/'. */
  readonly path: string;
  /** Decoded query-string parameters (a repeated key keeps its last value). */
  readonly query: Readonly<Record<string, string>>;
  /** Decoded form-body parameters; empty when the body is not application/x-www-form-urlencoded. */
  readonly body: Readonly<Record<string, string>>;
  /** Lower-case hex SHA-256 of the raw body bytes (of the empty string when there is no body). */
  readonly bodySha256Hex: string;
  /** Request headers with lower-case names. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}
