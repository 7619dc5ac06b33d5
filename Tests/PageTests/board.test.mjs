// The board's state from its snapshot and stream (node --test): v1.1's events, and the stream parser both
// pages share.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createState, loadSnapshot, loadCalls, applyEvent, tableTotal, callsInOrder } from '../../Sources/API/Pages/Public/admin/state.js';
import { sseParser } from '../../Sources/API/Pages/Public/shared/stream.js';

const order = (id, status, total, items = []) => ({
  order_id: id, table_id: 't1', table_number: 1, session_id: 's1', status, total_amount: total, items, deleted_at: null,
});

test('rejected orders arrive whole and count for nothing; a partial cancel lowers the line and the total once', () => {
  const state = createState();
  loadSnapshot(state, { last_event_id: 10, tables: [{ table_id: 't1', table_number: 1, orders: [
    order('o1', 'pending', 22000, [{ item_id: 'i1', unit_price: 11000, quantity: 2, cancelled_quantity: 0, subtotal: 22000 }])] }] });
  const notice = applyEvent(state, 'order_rejected', { event_id: 11, order_id: 'o2', reason: { code: 'SOLD_OUT' }, order: order('o2', 'rejected', 28000) });
  assert.equal(notice.kind, 'kitchen-rejected');
  assert.equal(tableTotal(state.open.get('t1')), 22000);
  const cancel = { event_id: 12, order_id: 'o1', item_id: 'i1', quantity: 1, total_amount: 11000 };
  applyEvent(state, 'order_items_cancelled', cancel);
  applyEvent(state, 'order_items_cancelled', cancel); // replayed: its id is not newer
  const item = state.open.get('t1').orders[0].items[0];
  assert.deepEqual([item.cancelled_quantity, item.subtotal], [1, 11000]);
  assert.equal(tableTotal(state.open.get('t1')), 11000);
});

test('calls: open ones first, moved by their events, resolved with the table', () => {
  const state = createState();
  loadSnapshot(state, { last_event_id: 0, tables: [] });
  loadCalls(state, { calls: [{ call_id: 'c1', table_id: 't1', status: 'acknowledged', created_at: '1' }] });
  applyEvent(state, 'call_created', { event_id: 1, call: { call_id: 'c2', table_id: 't2', status: 'open', created_at: '2' } });
  assert.deepEqual(callsInOrder(state).map((c) => c.call_id), ['c2', 'c1']);
  applyEvent(state, 'call_updated', { event_id: 2, call_id: 'c2', to: 'resolved' });
  applyEvent(state, 'table_session_completed', { event_id: 3, table_id: 't1' });
  assert.equal(state.calls.size, 0);
});

test('the event-stream parser: fields, comments, retry, events split across chunks', () => {
  const seen = [];
  const parser = sseParser((frame) => seen.push(frame));
  parser.push('retry: 3000\n\n: heartbeat\n\nid: 7\nevent: order_created\nda');
  parser.push('ta: {"a":1}\n\n');
  assert.deepEqual(seen, [{ retry: 3000 }, { id: '7', type: 'order_created', data: '{"a":1}' }]);
});
