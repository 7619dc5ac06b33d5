// The diner's cart and the order on its way (no DOM). Both are kept in localStorage, so a reload, a
// crash or a flat battery loses neither.
//
// Pressing "order" moves the cart into the outbox with a fresh Idempotency-Key in one step; the outbox is
// sent, with that same key, until the server answers it for good. A double tap finds the cart empty, a
// retry after a timeout or a reload sends the same key again, and the server makes one order of one key
// (contract §6). Only a final answer empties the outbox: a 202, a refusal no retry can change, or (after
// an unanswered try and a minute of refusals, or half an hour without a usable answer) "uncertain", which
// the page reports without putting the dishes back in the cart (see `sendOutbox`).

import { randomKey } from '../shared/http.js';

const CART_KEY = 'tableorder.table.cart';
const OUTBOX_KEY = 'tableorder.table.outbox';

/** An empty cart: lines of `{ id, menuId, options: [optionId…], quantity }` and a note. */
export function emptyCart() {
  return { lines: [], note: '' };
}

/** The same menu with the same options is one line whose quantity grows. */
export function lineId(menuId, options) {
  return `${menuId}|${[...options].sort().join(',')}`;
}

export function addToCart(cart, menuId, options, quantity) {
  const id = lineId(menuId, options);
  const lines = cart.lines.map((line) => ({ ...line }));
  const existing = lines.find((line) => line.id === id);
  if (existing) existing.quantity = Math.min(99, existing.quantity + quantity);
  else lines.push({ id, menuId, options: [...options], quantity: Math.min(99, quantity) });
  return { ...cart, lines };
}

/** Sets a line's quantity; 0 removes it. At most 99, the contract's bound. */
export function setQuantity(cart, id, quantity) {
  const lines = cart.lines
    .map((line) => (line.id === id ? { ...line, quantity: Math.max(0, Math.min(99, quantity)) } : line))
    .filter((line) => line.quantity > 0);
  return { ...cart, lines };
}

/** The `POST /api/orders` body of a cart. */
export function orderBody(cart) {
  const body = {
    items: cart.lines.map((line) => (line.options.length
      ? { menu_id: line.menuId, quantity: line.quantity, options: line.options }
      : { menu_id: line.menuId, quantity: line.quantity })),
  };
  const note = cart.note.trim();
  if (note) body.note = note;
  return body;
}

export function loadCart(storage) {
  try {
    const cart = JSON.parse(storage.getItem(CART_KEY));
    if (cart && Array.isArray(cart.lines)) return { lines: cart.lines, note: String(cart.note || '') };
  } catch {
    // unreadable: start empty
  }
  return emptyCart();
}

export function saveCart(storage, cart) {
  storage.setItem(CART_KEY, JSON.stringify(cart));
}

/** The order waiting for the server's answer, or null: `{ key, tableKey, body, lines, placedAt }`. */
export function loadOutbox(storage) {
  try {
    const outbox = JSON.parse(storage.getItem(OUTBOX_KEY));
    if (outbox && typeof outbox.key === 'string' && outbox.body) return outbox;
  } catch {
    // unreadable: nothing waiting
  }
  return null;
}

/**
 * Moves the cart into the outbox under a new key, or does nothing (returns null) when an order is
 * already waiting or the cart is empty. `tableKey` names the table the order is for, so an order left
 * waiting is never sent for another table.
 */
export function placeOrder(storage, cart, tableKey) {
  if (loadOutbox(storage) || cart.lines.length === 0) return null;
  const outbox = { key: randomKey('order'), tableKey, body: orderBody(cart), lines: cart.lines, placedAt: Date.now() };
  storage.setItem(OUTBOX_KEY, JSON.stringify(outbox));
  saveCart(storage, emptyCart());
  return outbox;
}

export function clearOutbox(storage, key) {
  const outbox = loadOutbox(storage);
  if (outbox && outbox.key === key) storage.removeItem(OUTBOX_KEY);
}

/** How long an order whose first tries got no answer keeps being asked for after a refusal (see below). */
export const UNCERTAIN_MS = 60000;
/** How long an order is retried through answers that say "not now" (no answer, 429, 5xx). */
export const GIVE_UP_MS = 30 * 60000;

/**
 * Sends the outbox until the server answers for good. `post(body, key)` is the request; `onState` hears
 * `'sending'` and `'waiting'` (no answer: offline or the server busy; retried). Resolves with
 * - `{ orderId }` after a 202 with the order's id;
 * - `{ unauthorized: true }` when the token has ended (nothing was done: the order stays waiting);
 * - `{ refused: error }` after a refusal no retry changes (the menu changed, say), when no earlier try
 *   can have been accepted;
 * - `{ uncertain: error }` when it cannot be known: an earlier try got no answer (the server may have
 *   queued it) and the server keeps refusing the same key. A queued order is stored within seconds, and
 *   the same key then answers with it, so refusals are retried for `UNCERTAIN_MS` from the first; after that, or
 *   after `GIVE_UP_MS` without a usable answer, the page must not put the dishes back in the cart (a
 *   second order could follow) but tell the diner to ask staff.
 * Retries wait 1, 2, 4… up to 15 s, or less when the browser says the network is back.
 */
export async function sendOutbox(outbox, { post, onState, networkBack, now = () => Date.now() }) {
  let delay = 1000;
  const started = now();
  let unanswered = false;
  let refusedSince = null;
  for (;;) {
    onState('sending');
    let error;
    try {
      const answer = await post(outbox.body, outbox.key);
      if (answer && typeof answer.order_id === 'string') return { orderId: answer.order_id };
      error = { retryable: true, status: 0, code: 'NETWORK' }; // a 2xx whose body was lost: ask again
    } catch (caught) {
      error = caught && caught.status !== undefined ? caught : { retryable: true, status: 0, code: 'NETWORK' };
    }
    // A token that ended did nothing: the order stays waiting for staff to set the tablet up again.
    if (error.status === 401) return { unauthorized: true };
    if (error.retryable) {
      unanswered = true;
      if (now() - started > GIVE_UP_MS) return { uncertain: error };
    } else if (!unanswered) {
      return { refused: error };
    } else {
      if (refusedSince === null) refusedSince = now();
      if (now() - refusedSince > UNCERTAIN_MS) return { uncertain: error };
    }
    onState('waiting', error);
    const wait = error.retryAfter ? error.retryAfter * 1000 : delay;
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, wait);
      networkBack().then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    delay = Math.min(delay * 2, 15000);
  }
}
