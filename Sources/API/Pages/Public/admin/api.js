// The admin endpoints of the contract. Every error is an ApiError carrying the contract's code.

import { request, authorized, randomKey } from '../shared/http.js';

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
    /** Cancels `quantity` portions of a line, keyed by what the admin saw (a double click is one cancel). */
    cancelItems: (orderId, itemId, seenCancelled, quantity) =>
      call('POST', `/api/admin/orders/${id(orderId)}/items/${id(itemId)}/cancel`, {
        body: { quantity },
        headers: { 'Idempotency-Key': `cancel-${orderId}-${itemId}-${seenCancelled}-${quantity}` },
      }),
    calls: () => call('GET', '/api/admin/calls'),
    moveCall: (callId, seen, next) =>
      call('PATCH', `/api/admin/calls/${id(callId)}`, {
        body: { status: next },
        headers: { 'Idempotency-Key': `call-${callId}-${seen}-${next}` },
      }),

    // The menu: each write gets a key of its own when the admin presses its button, kept for the retries of
    // that one press (`write` below), so a double click or a retry after a timeout is one command.
    menu: (storeId) => request('GET', `/api/stores/${id(storeId)}/menus`),
    createCategory: (body, key) => call('POST', '/api/admin/categories', { body, headers: { 'Idempotency-Key': key } }),
    updateCategory: (categoryId, body, key) =>
      call('PUT', `/api/admin/categories/${id(categoryId)}`, { body, headers: { 'Idempotency-Key': key } }),
    deleteCategory: (categoryId, key) =>
      call('DELETE', `/api/admin/categories/${id(categoryId)}`, { headers: { 'Idempotency-Key': key } }),
    createMenu: (body, key) => call('POST', '/api/admin/menus', { body, headers: { 'Idempotency-Key': key } }),
    updateMenu: (menuId, body, key) =>
      call('PUT', `/api/admin/menus/${id(menuId)}`, { body, headers: { 'Idempotency-Key': key } }),
    deleteMenu: (menuId, key) => call('DELETE', `/api/admin/menus/${id(menuId)}`, { headers: { 'Idempotency-Key': key } }),
    setAvailability: (menuId, body, key) =>
      call('PATCH', `/api/admin/menus/${id(menuId)}/availability`, { body, headers: { 'Idempotency-Key': key } }),

    /** Without dates: today in the store's time zone. */
    sales: (from, to) => {
      const query = new URLSearchParams();
      if (from) query.set('from', from);
      if (to) query.set('to', to);
      return call('GET', `/api/admin/reports/sales${query.toString() ? `?${query}` : ''}`);
    },
    /** The report as CSV, fetched with the token (a plain link could not send it): a Blob to download. */
    salesCsv: async (from, to, by) => {
      const response = await fetch(`/api/admin/reports/sales?${new URLSearchParams({ from, to, format: 'csv', by })}`, {
        headers: { Authorization: `Bearer ${token}` },
        cache: 'no-store',
      });
      if (response.status === 401) onUnauthorized();
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return response.blob();
    },

    /** A wrong current password is 401 `INVALID_CREDENTIALS` here, which must not sign the admin out. */
    changePassword: async (currentPassword, newPassword) => {
      try {
        return await request('PUT', '/api/admin/password', {
          token,
          body: { current_password: currentPassword, new_password: newPassword },
          headers: { 'Idempotency-Key': randomKey('password') },
        });
      } catch (error) {
        if (error.status === 401 && error.code !== 'INVALID_CREDENTIALS') onUnauthorized();
        throw error;
      }
    },
    /** Ends the token on the server (every pod refuses it within seconds); a 401 here is no news. */
    logout: () => request('POST', '/api/auth/logout', { token }),
  };
}
