// The public API, with the session cookie: GETs as they are, anything else with the session's
// CSRF token (X-CSRF-Token). Errors come back as ApiError with the API's code and message.

/** The app's base URL (the server's public URL, with its path): this file is at <base>/ui/api.js. */
export const base = new URL('..', import.meta.url);

/** A path of this server (no leading slash) as an absolute URL string. */
export function href(path) {
  return new URL(path, base).href;
}

/** The path of a page of the app, for links and history: "requests/<id>" → "/prefix/requests/<id>". */
export function pagePath(path) {
  return new URL(path, base).pathname;
}

let csrfToken = '';

export function setCsrfToken(token) {
  csrfToken = token ?? '';
}

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

export async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let response;
  try {
    response = await fetch(href(path), { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin', cache: 'no-store' });
  } catch {
    throw new ApiError(0, 'network_error', 'The server could not be reached. Check your connection and try again.');
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = data && data.error ? data.error : {};
    throw new ApiError(response.status, error.code ?? 'http_error', error.message ?? `${response.status} ${response.statusText}`, error.field);
  }
  return data;
}

/** Query text from an object, leaving out empty values. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

/**
 * What this server's API offers, read from its OpenAPI document: routes another version may
 * lack (extend, the approvals inbox, break-glass reviews) are shown only when present.
 */
export async function loadFeatures() {
  try {
    const doc = await api('GET', 'api/v1/openapi.json');
    const paths = doc.paths ?? {};
    const has = (path, method) => Boolean(paths[path] && paths[path][method]);
    return {
      extend: has('/api/v1/requests/{id}/extend', 'post'),
      approvalsInbox: has('/api/v1/approvals', 'get'),
      reviews: has('/api/v1/reviews', 'get'),
      closeReview: has('/api/v1/reviews/{id}/close', 'post'),
      auditExport: has('/api/v1/audit/export', 'get'),
    };
  } catch {
    return { extend: false, approvalsInbox: false, reviews: false, closeReview: false, auditExport: false };
  }
}
