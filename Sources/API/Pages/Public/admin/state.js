// What the board shows, as plain data: the snapshot, then every event applied in order. No DOM here.

/** Which moves the contract allows from each status (§6); nothing leaves completed or cancelled. */
export const nextStatuses = {
  pending: ['preparing', 'cancelled'],
  preparing: ['completed', 'cancelled'],
  completed: [],
  cancelled: [],
};

export function createState() {
  return {
    lastEventId: 0,
    /** table_id → { tableId, tableNumber, sessionId, orders: [order…] } for tables with a current session. */
    open: new Map(),
    /** table_id → table_number of every table of the store (for history of idle tables). */
    known: new Map(),
    /** order id → when it arrived, for orders shown highlighted as new. */
    fresh: new Map(),
    /** order or table ids with a request in flight. */
    busy: new Set(),
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
  const counts = { pending: 0, preparing: 0, completed: 0, cancelled: 0 };
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
    return { kind: 'rejected', orderId: data.order_id, requested: data.requested, current: data.current };
  },
  order_deleted(state, data) {
    const found = findOrder(state, data.order_id);
    if (found) found.table.orders = found.table.orders.filter((order) => order.order_id !== data.order_id);
    state.busy.delete(data.order_id);
    state.fresh.delete(data.order_id);
    return null;
  },
  table_session_completed(state, data) {
    const table = state.open.get(data.table_id);
    if (table) for (const order of table.orders) state.fresh.delete(order.order_id);
    state.open.delete(data.table_id);
    state.busy.delete(data.table_id);
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
