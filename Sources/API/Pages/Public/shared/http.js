// The contract's JSON endpoints over fetch, for both pages. Every failure is an ApiError carrying the
// contract's code, or `NETWORK` when no answer came at all.

export class ApiError extends Error {
  constructor(status, code, message, retryAfter) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }

  /** No answer, or one that says to come back later: the same request may be sent again. */
  get retryable() {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

async function readJson(response) {
  const type = response.headers.get('Content-Type') || '';
  if (!type.includes('application/json')) return null;
  try {
    return await response.json();
  } catch {
    return null;
  }
}

function errorFrom(response, payload) {
  const error = (payload && payload.error) || {};
  const retryAfter = Number(response.headers.get('Retry-After')) || undefined;
  const code = error.code || `HTTP_${response.status}`;
  return new ApiError(response.status, code, error.message || response.statusText, retryAfter);
}

/** One request; resolves with the JSON body (null when there is none), throws an ApiError. */
export async function request(method, path, { token, body, headers = {}, timeoutMs = 15000 } = {}) {
  const init = { method, cache: 'no-store', headers: { Accept: 'application/json', ...headers } };
  if (token) init.headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  // A request on a network that has gone away can hang for minutes; the caller would rather retry.
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  init.signal = abort.signal;
  let response;
  let payload;
  try {
    response = await fetch(path, init);
    payload = await readJson(response);
  } catch (cause) {
    throw new ApiError(0, 'NETWORK', String(cause));
  } finally {
    clearTimeout(timer);
  }
  if (!response.ok) throw errorFrom(response, payload);
  return payload;
}

/** A caller's requests with one token; a 401 (expired or revoked) calls `onUnauthorized` first. */
export function authorized(token, onUnauthorized) {
  return async (method, path, options = {}) => {
    try {
      return await request(method, path, { ...options, token });
    } catch (error) {
      if (error.status === 401) onUnauthorized();
      throw error;
    }
  };
}

/** An `Idempotency-Key` no other device will make: 128 random bits in hex (works outside HTTPS too). */
export function randomKey(prefix) {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `${prefix}-${[...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}
