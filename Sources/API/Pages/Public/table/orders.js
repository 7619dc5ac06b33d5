// What the tablet knows of its table (no DOM): the session's orders and the open staff calls, loaded from
// `GET /api/table/orders` and `GET /api/table/calls`, then kept current by the table's stream (v1.1 §7).
// Events may repeat what a load already showed (the load starts once the stream is live, so nothing falls
// in between): applying one twice changes nothing.

export function createTableState() {
  return {
    /** order id → order, as the contract's order JSON. */
    orders: new Map(),
    /** Orders this tablet placed (202) that neither a load nor an event has shown yet: id → placed at. */
    awaited: new Map(),
    /** call id → call, the table's calls not yet resolved. */
    calls: new Map(),
  };
}

export function loadOrders(state, answer) {
  for (const order of answer.orders || []) putOrder(state, order);
}

export function loadCalls(state, answer) {
  state.calls.clear();
  for (const call of answer.calls || []) if (call.status !== 'resolved') state.calls.set(call.call_id, call);
}

function putOrder(state, order) {
  if (order.deleted_at) {
    state.orders.delete(order.order_id);
  } else {
    state.orders.set(order.order_id, order);
  }
  state.awaited.delete(order.order_id);
}

/** Orders newest first, the awaited ones (placed, not yet stored) first of all. */
export function ordersToShow(state) {
  const placed = [...state.awaited.entries()]
    .filter(([id]) => !state.orders.has(id))
    .map(([id, placedAt]) => ({ order_id: id, status: 'sending', items: [], total_amount: null, placedAt }));
  const stored = [...state.orders.values()].sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
  return [...placed, ...stored];
}

/** What the table owes now: every order that counts (not cancelled, rejected or deleted). */
export function tableTotal(state) {
  let total = 0;
  for (const order of state.orders.values()) {
    if (order.status !== 'cancelled' && order.status !== 'rejected') total += order.total_amount;
  }
  return total;
}

/** The open call of each type: type → call. */
export function openCalls(state) {
  const byType = new Map();
  for (const call of state.calls.values()) if (call.status !== 'resolved') byType.set(call.type, call);
  return byType;
}

/**
 * Applies one event of the table's stream. Returns what the page should do beyond redrawing:
 * `{ kind: 'menu' }` (reload the menu), `{ kind: 'rejected', order }`, `{ kind: 'refetch', orderId }` (read
 * the order again), `{ kind: 'resync' }`, `{ kind: 'session-ended' }` or null.
 */
export function applyTableEvent(state, type, data) {
  const apply = appliers[type];
  return apply ? apply(state, data) : null;
}

const appliers = {
  replay_truncated: () => ({ kind: 'resync' }),
  menu_changed: () => ({ kind: 'menu' }),
  order_created(state, data) {
    if (data.order) putOrder(state, data.order);
    return null;
  },
  order_rejected(state, data) {
    if (data.order) putOrder(state, data.order);
    const order = state.orders.get(data.order_id);
    if (order) {
      order.status = 'rejected';
      order.reject_reason = order.reject_reason || data.reason;
    }
    return { kind: 'rejected', orderId: data.order_id, reason: data.reason };
  },
  order_status_changed(state, data) {
    const order = state.orders.get(data.order_id);
    if (order) order.status = data.to;
    return null;
  },
  order_deleted(state, data) {
    state.orders.delete(data.order_id);
    return null;
  },
  order_items_cancelled(state, data) {
    // The new total at once; the lines themselves are read again (an event replayed over a load that
    // already had it must not take the portions twice).
    const order = state.orders.get(data.order_id);
    if (order) order.total_amount = data.total_amount;
    return order ? { kind: 'refetch', orderId: data.order_id } : null;
  },
  table_session_completed(state) {
    // The party has paid and left: the next one starts with nothing on the tablet.
    state.orders.clear();
    state.calls.clear();
    return { kind: 'session-ended' };
  },
  call_created(state, data) {
    if (data.call && data.call.status !== 'resolved') state.calls.set(data.call.call_id, data.call);
    return null;
  },
  call_updated(state, data) {
    const call = state.calls.get(data.call_id);
    if (data.to === 'resolved') state.calls.delete(data.call_id);
    else if (call) call.status = data.to;
    return null;
  },
};
