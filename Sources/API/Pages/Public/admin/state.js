// What the board shows, as plain data: the snapshot, then every event applied in order. No DOM here.

/** Which moves the contract allows from each status (§6); nothing leaves completed or cancelled. */
export const nextStatuses = {
  pending: ['preparing', 'cancelled'],
  preparing: ['completed', 'cancelled'],
  completed: [],
  cancelled: [],
  rejected: [],
};

/** Which moves of a staff call the contract allows (v1.1 §7). */
export const nextCallStatuses = { open: ['acknowledged', 'resolved'], acknowledged: ['resolved'], resolved: [] };

export function createState() {
  return {
    lastEventId: 0,
    /** table_id → { tableId, tableNumber, sessionId, orders: [order…] } for tables with a current session. */
    open: new Map(),
    /** table_id → table_number of every table of the store (for history of idle tables). */
    known: new Map(),
    /** order id → when it arrived, for orders shown highlighted as new. */
    fresh: new Map(),
    /** order, table or call ids with a request in flight. */
    busy: new Set(),
    /** call id → call, the store's calls not yet resolved. */
    calls: new Map(),
  };
}

/** Replaces everything with `GET /api/admin/orders` (and `GET /api/admin/tables` when given). */
export function loadSnapshot(state, snapshot, tableList) {
  state.lastEventId = Number(snapshot.last_event_id) || 0;
  state.open.clear();
  for (const table of snapshot.tables || []) {
    const orders = (table.orders || []).filter((order) => !order.deleted_at);
    state.open.set(table.table_id, {
      tableId: table.table_id,
      tableNumber: table.table_number,
      sessionId: orders.length ? orders[0].session_id : null,
      orders,
    });
    state.known.set(table.table_id, table.table_number);
  }
  for (const table of (tableList && tableList.tables) || []) state.known.set(table.table_id, table.table_number);
}

/** Replaces the calls with `GET /api/admin/calls` (the open and acknowledged ones). */
export function loadCalls(state, answer) {
  state.calls.clear();
  for (const call of (answer && answer.calls) || []) if (call.status !== 'resolved') state.calls.set(call.call_id, call);
}

/** Open calls first, then by age: the oldest waiting call is the first thing staff see. */
export function callsInOrder(state) {
  return [...state.calls.values()].sort((a, b) =>
    (a.status === 'open' ? 0 : 1) - (b.status === 'open' ? 0 : 1) || String(a.created_at).localeCompare(String(b.created_at)));
}

/** What counts toward a table's total: every order not cancelled (deleted ones are gone already). */
export function tableTotal(table) {
  // Cancelled and rejected orders count in no total (contract §6, v1.1).
  return table.orders.reduce(
    (sum, order) => (order.status === 'cancelled' || order.status === 'rejected' ? sum : sum + order.total_amount), 0);
}

export function tablesInOrder(state) {
  return [...state.open.values()].sort((a, b) => a.tableNumber - b.tableNumber);
}

/** Tables of the store without a current session, by number. */
export function idleTables(state) {
  return [...state.known.entries()]
    .filter(([tableId]) => !state.open.has(tableId))
    .map(([tableId, tableNumber]) => ({ tableId, tableNumber }))
    .sort((a, b) => a.tableNumber - b.tableNumber);
}

export function countByStatus(state) {
  const counts = { pending: 0, preparing: 0, completed: 0, cancelled: 0, rejected: 0 };
  for (const table of state.open.values()) for (const order of table.orders) counts[order.status] += 1;
  return counts;
}

export function findOrder(state, orderId) {
  for (const table of state.open.values()) {
    const order = table.orders.find((candidate) => candidate.order_id === orderId);
    if (order) return { table, order };
  }
  return null;
}

/**
 * Applies one stream event. Returns what the page should tell the admin about it, if anything:
 * `{ kind: 'created', order }`, `{ kind: 'rejected', … }` or `{ kind: 'resync' }`. Events the snapshot
 * already reflects are skipped.
 */
export function applyEvent(state, type, data) {
  if (type === 'replay_truncated') return { kind: 'resync' };
  const eventId = Number(data.event_id);
  if (eventId && eventId <= state.lastEventId) return null;
  if (eventId) state.lastEventId = eventId;
  const apply = appliers[type];
  return apply ? apply(state, data) : null;
}

const appliers = {
  order_created(state, data) {
    const order = data.order;
    if (!order || order.deleted_at || findOrder(state, order.order_id)) return null;
    const table = openTable(state, order);
    table.orders.push(order);
    state.fresh.set(order.order_id, Date.now());
    return { kind: 'created', order, tableNumber: table.tableNumber };
  },
  order_status_changed(state, data) {
    const found = findOrder(state, data.order_id);
    if (found) {
      found.order.status = data.to;
      found.order.updated_at = data.occurred_at || found.order.updated_at;
    }
    state.busy.delete(data.order_id);
    state.fresh.delete(data.order_id);
    return null;
  },
  order_status_rejected(state, data) {
    const found = findOrder(state, data.order_id);
    if (found) found.order.status = data.current;
    state.busy.delete(data.order_id);
    // A refused partial cancel (`requested: cancel_items`) frees its line's button too.
    if (found) for (const item of found.order.items || []) state.busy.delete(item.item_id);
    return { kind: 'rejected', orderId: data.order_id, requested: data.requested, current: data.current };
  },
  order_deleted(state, data) {
    const found = findOrder(state, data.order_id);
    if (found) found.table.orders = found.table.orders.filter((order) => order.order_id !== data.order_id);
    state.busy.delete(data.order_id);
    state.fresh.delete(data.order_id);
    return null;
  },
  order_rejected(state, data) {
    // A rejected order was never announced as created: it arrives here, whole, with its reason.
    const order = data.order;
    if (!order || findOrder(state, order.order_id)) return { kind: 'kitchen-rejected', orderId: data.order_id };
    const table = openTable(state, order);
    table.orders.push(order);
    return { kind: 'kitchen-rejected', orderId: order.order_id, tableNumber: table.tableNumber, reason: data.reason };
  },
  order_items_cancelled(state, data) {
    const found = findOrder(state, data.order_id);
    state.busy.delete(data.item_id);
    if (!found) return null;
    const item = (found.order.items || []).find((candidate) => candidate.item_id === data.item_id);
    if (item) {
      item.cancelled_quantity = Math.min(item.quantity, (item.cancelled_quantity || 0) + data.quantity);
      item.subtotal = item.unit_price * (item.quantity - item.cancelled_quantity);
    }
    found.order.total_amount = data.total_amount;
    return null;
  },
  call_created(state, data) {
    const call = data.call;
    if (!call || call.status === 'resolved') return null;
    state.calls.set(call.call_id, call);
    return { kind: 'call', call };
  },
  call_updated(state, data) {
    state.busy.delete(data.call_id);
    if (data.to === 'resolved') state.calls.delete(data.call_id);
    else if (state.calls.has(data.call_id)) state.calls.get(data.call_id).status = data.to;
    return null;
  },
  table_session_completed(state, data) {
    const table = state.open.get(data.table_id);
    if (table) for (const order of table.orders) state.fresh.delete(order.order_id);
    state.open.delete(data.table_id);
    state.busy.delete(data.table_id);
    // Completing a table resolves its calls (v1.1 §7).
    for (const [callId, call] of state.calls) if (call.table_id === data.table_id) state.calls.delete(callId);
    return null;
  },
};

function openTable(state, order) {
  let table = state.open.get(order.table_id);
  if (!table) {
    table = { tableId: order.table_id, tableNumber: order.table_number, sessionId: order.session_id, orders: [] };
    state.open.set(order.table_id, table);
    state.known.set(order.table_id, order.table_number);
  }
  if (!table.sessionId) table.sessionId = order.session_id;
  return table;
}
