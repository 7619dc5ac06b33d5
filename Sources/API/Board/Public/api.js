// The admin endpoints of the contract, over fetch. Every error is an ApiError carrying the contract's code.

export class ApiError extends Error {
  constructor(status, code, message, retryAfter) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
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

async function request(method, path, { token, body, headers = {} } = {}) {
  const init = { method, cache: 'no-store', headers: { Accept: 'application/json', ...headers } };
  if (token) init.headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (cause) {
    throw new ApiError(0, 'NETWORK', String(cause));
  }
  const payload = await readJson(response);
  if (!response.ok) throw errorFrom(response, payload);
  return payload;
}

/** `POST /api/auth/admin/login` → `{ access_token, expires_in }`. */
export function login(storeId, username, password) {
  return request('POST', '/api/auth/admin/login', { body: { store_id: storeId, username, password } });
}

/**
 * The admin's calls with one token. A 401 (expired or revoked token) calls `onUnauthorized` before the
 * error is thrown. Writes send an `Idempotency-Key` made of what the admin saw, so a double click or a
 * retry is one command.
 */
export function adminApi(token, onUnauthorized) {
  async function call(method, path, options = {}) {
    try {
      return await request(method, path, { ...options, token });
    } catch (error) {
      if (error.status === 401) onUnauthorized();
      throw error;
    }
  }
  const id = encodeURIComponent;
  return {
    snapshot: () => call('GET', '/api/admin/orders'),
    tables: () => call('GET', '/api/admin/tables'),
    moveStatus: (orderId, seen, next) =>
      call('PATCH', `/api/admin/orders/${id(orderId)}/status`, {
        body: { status: next },
        headers: { 'Idempotency-Key': `status-${orderId}-${seen}-${next}` },
      }),
    deleteOrder: (orderId) =>
      call('DELETE', `/api/admin/orders/${id(orderId)}`, { headers: { 'Idempotency-Key': `delete-${orderId}` } }),
    completeSession: (tableId, sessionId) =>
      call('POST', `/api/admin/tables/${id(tableId)}/complete`, {
        headers: sessionId ? { 'Idempotency-Key': `complete-${tableId}-${sessionId}` } : {},
      }),
    history: (tableId, from, to) => {
      const query = new URLSearchParams();
      if (from) query.set('from', from);
      if (to) query.set('to', to);
      const suffix = query.toString() ? `?${query}` : '';
      return call('GET', `/api/admin/tables/${id(tableId)}/history${suffix}`);
    },
    /** Ends the token on the server (every pod refuses it within seconds); a 401 here is no news. */
    logout: () => request('POST', '/api/auth/logout', { token }),
  };
}
