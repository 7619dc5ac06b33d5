// The tablet's logic without a browser (node --test): option rules, the cart, the order on its way and
// the table's state from its stream. The pages' modules are plain ES modules; only the DOM is left out.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toggleOption, choiceProblems, unitPrice, chosenInOrder, orderable, localized, menuSections } from '../../Sources/API/Pages/Public/table/menu.js';
import { addToCart, setQuantity, orderBody, placeOrder, loadOutbox, loadCart, clearOutbox, sendOutbox, UNCERTAIN_MS } from '../../Sources/API/Pages/Public/table/cart.js';
import { createTableState, loadOrders, applyTableEvent, tableTotal, ordersToShow } from '../../Sources/API/Pages/Public/table/orders.js';

const menu = {
  id: 'm1', name: '비빔밥', price: 11000, is_available: true, stock: null,
  translations: { en: { name: 'Bibimbap' } },
  option_groups: [
    { id: 'spice', name: '맵기', min_select: 1, max_select: 1, sort_order: 0, options: [
      { id: 'mild', name: '순한 맛', price_delta: 0, is_available: true },
      { id: 'hot', name: '매운 맛', price_delta: 0, is_available: true }] },
    { id: 'extras', name: '추가', min_select: 0, max_select: 2, sort_order: 1, options: [
      { id: 'egg', name: '계란', price_delta: 1000, is_available: true },
      { id: 'meat', name: '고기', price_delta: 3000, is_available: true },
      { id: 'cheese', name: '치즈', price_delta: 1500, is_available: false }] },
  ],
};

test('a group of one works like radio buttons, a fuller group stops at its maximum', () => {
  let chosen = toggleOption(menu, new Set(), 'spice', 'mild');
  chosen = toggleOption(menu, chosen, 'spice', 'hot');
  assert.deepEqual([...chosen], ['hot']);
  chosen = toggleOption(menu, chosen, 'extras', 'egg');
  chosen = toggleOption(menu, chosen, 'extras', 'meat');
  assert.equal(toggleOption(menu, chosen, 'extras', 'cheese'), chosen, 'an option switched off cannot be chosen');
  assert.equal(chosen.size, 3);
  assert.deepEqual(chosenInOrder(menu, new Set(['meat', 'hot', 'egg'])), ['hot', 'egg', 'meat'], "the menu's order");
  assert.equal(unitPrice(menu, chosen), 11000 + 1000 + 3000);
});

test('a required group must be chosen before the dish can be added', () => {
  assert.deepEqual(choiceProblems(menu, new Set()).map((p) => [p.group.id, p.problem]), [['spice', 'min']]);
  assert.deepEqual(choiceProblems(menu, new Set(['hot'])), []);
  assert.equal(orderable({ ...menu, stock: 0 }), false);
  assert.equal(orderable({ ...menu, is_available: false }), false);
  assert.equal(localized(menu, 'en').name, 'Bibimbap');
  assert.equal(localized(menu, 'ko').name, '비빔밥');
  const sections = menuSections({ categories: [{ id: 'b', name: 'B', sort_order: 1 }, { id: 'a', name: 'A', sort_order: 0 }, { id: 'e', name: 'E', sort_order: 2 }],
    menus: [{ id: 'x', category_id: 'b', name: 'x' }, { id: 'y', category_id: 'a', name: 'y' }] });
  assert.deepEqual(sections.map((s) => s.category.id), ['a', 'b'], 'by sort order, empty ones left out');
});

function storage() {
  const items = new Map();
  return { getItem: (k) => (items.has(k) ? items.get(k) : null), setItem: (k, v) => items.set(k, String(v)), removeItem: (k) => items.delete(k) };
}

test('the same dish with the same options is one line; quantities stay within 1..99', () => {
  let cart = addToCart({ lines: [], note: '' }, 'm1', ['hot', 'egg'], 2);
  cart = addToCart(cart, 'm1', ['egg', 'hot'], 1);
  assert.equal(cart.lines.length, 1);
  assert.equal(cart.lines[0].quantity, 3);
  cart = addToCart(cart, 'm1', ['mild'], 120);
  assert.equal(cart.lines[1].quantity, 99);
  cart = setQuantity(cart, cart.lines[0].id, 0);
  assert.deepEqual(orderBody({ ...cart, note: '  less spicy ' }), { items: [{ menu_id: 'm1', quantity: 99, options: ['mild'] }], note: 'less spicy' });
});

test('pressing order twice makes one outbox entry, and the cart is emptied in the same step', () => {
  const store = storage();
  const cart = addToCart({ lines: [], note: '' }, 'm1', [], 1);
  const first = placeOrder(store, cart, 'demo/1');
  assert.ok(first.key.startsWith('order-') && first.key.length > 30);
  assert.equal(placeOrder(store, cart, 'demo/1'), null, 'a second press finds an order on its way');
  assert.deepEqual(loadCart(store).lines, []);
  assert.equal(loadOutbox(store).key, first.key, 'a reload finds the same key');
  clearOutbox(store, 'another-key');
  assert.ok(loadOutbox(store), 'only its own key clears it');
  clearOutbox(store, first.key);
  assert.equal(loadOutbox(store), null);
});

/** Runs sendOutbox against scripted answers; each answer is a value to return or an error to throw. */
async function send(answers, { clockStep = 1000 } = {}) {
  const keys = [];
  let clock = 0;
  const result = await sendOutbox({ key: 'order-k', body: { items: [] } }, {
    post: async (body, key) => {
      keys.push(key);
      const answer = answers.shift();
      if (answer instanceof Error) throw answer;
      return answer;
    },
    onState: () => {},
    networkBack: () => Promise.resolve(),
    now: () => (clock += clockStep),
  });
  return { result, keys };
}
const failure = (status, code, retryable) => Object.assign(new Error(code), { status, code, retryable });

test('an order is sent with one key until the server answers it for good', async () => {
  const offline = failure(0, 'NETWORK', true);
  const busy = failure(503, 'SERVICE_UNAVAILABLE', true);
  const { result, keys } = await send([offline, busy, { order_id: 'o1', status: 'pending' }]);
  assert.deepEqual(result, { orderId: 'o1' });
  assert.deepEqual(keys, ['order-k', 'order-k', 'order-k']);
  // A 2xx whose body was lost, and a TypeError from a broken fetch, are asked again, never taken as refusals.
  assert.deepEqual((await send([null, new TypeError('failed'), { order_id: 'o2' }])).result, { orderId: 'o2' });
  assert.deepEqual((await send([failure(401, 'UNAUTHORIZED', false)])).result, { unauthorized: true });
});

test('a refusal is final only when no earlier try can have been accepted', async () => {
  const menuChanged = failure(400, 'VALIDATION_ERROR', false);
  assert.deepEqual((await send([menuChanged])).result, { refused: menuChanged });
  // No answer first, then refusals: the first try may be queued; the same key answers with it once stored.
  const queued = await send([failure(0, 'NETWORK', true), menuChanged, menuChanged, { order_id: 'o3' }]);
  assert.deepEqual(queued.result, { orderId: 'o3' });
  // Still refused after UNCERTAIN_MS: uncertain, never refused (the dishes must not go back in the cart).
  const refusals = Array.from({ length: 10 }, () => menuChanged);
  const { result } = await send([failure(0, 'NETWORK', true), ...refusals], { clockStep: UNCERTAIN_MS / 4 });
  assert.ok(result.uncertain, JSON.stringify(result));
});

test("the table's state: events applied twice change nothing, a rejection says why, a new party starts empty", () => {
  const state = createTableState();
  state.awaited.set('o1', 1);
  const order = { order_id: 'o1', status: 'pending', total_amount: 22000, created_at: '2026-12-08T00:00:00Z', items: [] };
  loadOrders(state, { orders: [order] });
  assert.equal(state.awaited.size, 0, 'seen stored: no longer awaited');
  for (let i = 0; i < 2; i += 1) applyTableEvent(state, 'order_status_changed', { order_id: 'o1', to: 'preparing' });
  assert.equal(state.orders.get('o1').status, 'preparing');
  const rejected = { ...order, order_id: 'o2', status: 'rejected', reject_reason: { code: 'SOLD_OUT', menu_id: 'm1' } };
  assert.equal(applyTableEvent(state, 'order_rejected', { order_id: 'o2', reason: rejected.reject_reason, order: rejected }).kind, 'rejected');
  assert.equal(tableTotal(state), 22000, 'a rejected order counts for nothing');
  assert.deepEqual(applyTableEvent(state, 'order_items_cancelled', { order_id: 'o1', item_id: 'i', quantity: 1, total_amount: 11000 }),
    { kind: 'refetch', orderId: 'o1' });
  assert.equal(tableTotal(state), 11000);
  applyTableEvent(state, 'call_created', { call: { call_id: 'c1', type: 'water', status: 'open' } });
  applyTableEvent(state, 'call_updated', { call_id: 'c1', to: 'acknowledged' });
  assert.equal(state.calls.get('c1').status, 'acknowledged');
  applyTableEvent(state, 'call_updated', { call_id: 'c1', to: 'resolved' });
  assert.equal(state.calls.size, 0);
  state.awaited.set('o9', 5);
  assert.equal(ordersToShow(state)[0].status, 'sending', 'a placed order not yet stored is shown first');
  assert.equal(applyTableEvent(state, 'table_session_completed', {}).kind, 'session-ended');
  assert.equal(state.orders.size, 0);
  assert.equal(applyTableEvent(state, 'menu_changed', {}).kind, 'menu');
  assert.equal(applyTableEvent(state, 'some_future_event', {}), null, 'a type it does not know is ignored');
});
