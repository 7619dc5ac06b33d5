// The admin endpoints of the contract. Every error is an ApiError carrying the contract's code.

import { request, authorized } from '../shared/http.js';

export { ApiError } from '../shared/http.js';

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
  const call = authorized(token, onUnauthorized);
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
