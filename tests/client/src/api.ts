// The app's API layer: one openapi-fetch client per signed-in person, typed by
// the types generated from api-spec/openapi.yaml ("inspectd-api", see run.sh),
// and the few helpers every screen needs — check an answer's status, read its
// ETag, report what went wrong.
import assert from "node:assert/strict";
import createClient, { type Client } from "openapi-fetch";
import type { components, paths } from "inspectd-api";

export type Schemas = components["schemas"];

/**
 * The media types the app reads: JSON, and problem+json for errors. Reports can
 * also answer CSV/XLSX; without this filter every report's `data` would be
 * `RankingReport | string`. Both are needed: with "application/json" alone,
 * openapi-fetch types every `error` as the content map
 * `{ "application/problem+json": Problem }` instead of the Problem itself.
 */
type AppMedia = "application/json" | "application/problem+json";

/** The client, typed by the contract and read as JSON. */
export type InspectdClient = Client<paths, AppMedia>;

/** What every openapi-fetch call resolves to, seen from the helpers below. */
interface ApiResult<T, E> {
  data?: T;
  error?: E;
  response: Response;
}

/** A failed expectation about an HTTP answer: which step, what came back. */
export class StepFailure extends Error {
  constructor(
    message: string,
    readonly response: Response | null,
    readonly body: unknown,
  ) {
    super(message);
    this.name = "StepFailure";
  }
}

/** The last answer seen, so a failed assertion can print the body it was about. */
export let lastAnswer: { method: string; url: string; status: number; body: unknown } | null = null;

function remember(response: Response, body: unknown): void {
  lastAnswer = { method: methodOf(response), url: response.url, status: response.status, body };
}

const methods = new WeakMap<Response, string>();
function methodOf(response: Response): string {
  return methods.get(response) ?? "?";
}

/**
 * A person signed in on a phone: their tokens and their client. The access
 * token goes on every request through a middleware, so a refresh (which
 * replaces it) is seen by every later call.
 */
export class Session {
  accessToken: string | null = null;
  refreshToken: string | null = null;
  user: Schemas["User"] | null = null;
  readonly api: InspectdClient;

  constructor(
    readonly baseUrl: string,
    readonly label: string,
  ) {
    this.api = createClient<paths, AppMedia>({ baseUrl });
    this.api.use({
      onRequest: ({ request }) => {
        if (this.accessToken !== null) request.headers.set("Authorization", `Bearer ${this.accessToken}`);
        return request;
      },
      onResponse: ({ request, response }) => {
        methods.set(response, request.method);
        checkCommonHeaders(request, response);
        return undefined;
      },
    });
  }

  /** Keeps the pair of a login or refresh answer. */
  adopt(pair: Schemas["TokenPair"]): void {
    this.accessToken = pair.access_token;
    this.refreshToken = pair.refresh_token;
    this.user = pair.user;
  }

  /** The signed-in account (fails when nobody is signed in). */
  get me(): Schemas["User"] {
    assert.ok(this.user, `${this.label} is not signed in`);
    return this.user;
  }

  async login(username: string, password: string): Promise<Schemas["TokenPair"]> {
    const { data } = await expectStatus(
      200,
      this.api.POST("/api/v1/auth/login", { body: { username, password } }),
    );
    assert.equal(data.token_type, "Bearer");
    assert.ok(data.expires_in > 0, "expires_in must be positive");
    assert.equal(data.refresh_expires_in, 2592000);
    assert.equal(data.user.username, username.toLowerCase(), "usernames match case-insensitively");
    this.adopt(data);
    return data;
  }
}

/**
 * What the contract promises on every answer: an X-Request-Id, and on JSON and
 * problem+json answers `Cache-Control: no-store` and `nosniff`.
 */
function checkCommonHeaders(request: Request, response: Response): void {
  const where = `${request.method} ${new URL(request.url).pathname} → ${response.status}`;
  const requestId = response.headers.get("X-Request-Id");
  assert.ok(requestId !== null && /^[A-Za-z0-9._-]{1,64}$/.test(requestId), `${where}: X-Request-Id missing or malformed`);
  const type = response.headers.get("Content-Type")?.split(";")[0]?.trim();
  if (type === "application/json" || type === "application/problem+json") {
    assert.equal(response.headers.get("Cache-Control"), "no-store", `${where}: Cache-Control`);
    assert.equal(response.headers.get("X-Content-Type-Options"), "nosniff", `${where}: X-Content-Type-Options`);
  }
}

/**
 * Awaits a call and requires `status` (one or several) and a body. Returns the
 * typed body and the response (headers: ETag, Location).
 */
export async function expectStatus<T, E>(
  status: number | readonly number[],
  pending: Promise<ApiResult<T, E>>,
): Promise<{ data: T; response: Response }> {
  const { data, error, response } = await pending;
  const body: unknown = data !== undefined ? data : error;
  remember(response, body);
  const wanted = typeof status === "number" ? [status] : status;
  if (!wanted.includes(response.status) || data === undefined) {
    throw new StepFailure(
      `expected HTTP ${wanted.join(" or ")}, got ${response.status} from ${methodOf(response)} ${response.url}`,
      response,
      body,
    );
  }
  return { data, response };
}

/** Awaits a call that answers 204 No Content. */
export async function expectNoContent<T, E>(pending: Promise<ApiResult<T, E>>): Promise<Response> {
  const { error, response } = await pending;
  remember(response, error);
  if (response.status !== 204) {
    throw new StepFailure(
      `expected HTTP 204, got ${response.status} from ${methodOf(response)} ${response.url}`,
      response,
      error,
    );
  }
  return response;
}

/**
 * Awaits a call that must fail with `status` and the problem `code`
 * (application/problem+json, RFC 9457). Returns the problem.
 */
export async function expectProblem<T, E extends { code: string; status: number }>(
  status: number,
  code: string,
  pending: Promise<ApiResult<T, E>>,
): Promise<E> {
  const { data, error, response } = await pending;
  remember(response, data !== undefined ? data : error);
  if (response.status !== status || error === undefined) {
    throw new StepFailure(
      `expected HTTP ${status} ${code}, got ${response.status} from ${methodOf(response)} ${response.url}`,
      response,
      data !== undefined ? data : error,
    );
  }
  assert.equal(response.headers.get("Content-Type")?.split(";")[0], "application/problem+json");
  assert.equal(error.status, status);
  assert.equal(error.code, code);
  return error;
}

/**
 * The answer's ETag, required to be `"<version>"` of the object it carries:
 * what the app keeps to send back as If-Match.
 */
export function etagOf(response: Response, object: { version: number }): string {
  const etag = response.headers.get("ETag");
  assert.equal(etag, `"${object.version}"`, "ETag must be the quoted version of the object");
  return etag;
}

/** The path of the answer's Location header (a create's `201`). */
export function locationOf(response: Response): string {
  const location = response.headers.get("Location");
  assert.ok(location !== null, "a 201 must carry Location");
  return new URL(location, response.url).pathname;
}

/**
 * The photo upload form (`multipart/form-data`, as wx.uploadFile sends it):
 * the body object becomes a FormData — the file in the part `file`, every
 * other field a text part. openapi-fetch leaves Content-Type (with its
 * boundary) to fetch when the body is a FormData.
 */
export function photoFormSerializer(body: Schemas["PhotoUploadForm"] | Blob): FormData | Blob {
  if (body instanceof Blob) return body;
  const form = new FormData();
  for (const [name, value] of Object.entries(body)) {
    if (value === undefined) continue;
    if (value instanceof Blob) form.append(name, value, "photo.jpg");
    else form.append(name, String(value));
  }
  return form;
}

/** RFC 3339 in UTC with whole seconds, as the API returns timestamps. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The calendar day in the service's time zone (Asia/Shanghai: UTC+8, no DST). */
export function shanghaiDate(date: Date): string {
  return new Date(date.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}
