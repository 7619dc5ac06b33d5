// Builds and updates the board's DOM from the state. Text goes in as text nodes, never as HTML.
// Buttons carry `data-action` and ids; board.js handles their clicks in one place.

import { nextStatuses, nextCallStatuses, tableTotal, tablesInOrder, idleTables, countByStatus, callsInOrder } from './state.js';
import { formatMoney, formatTime, formatElapsed, formatDateTime } from './i18n.js';
import { el } from '../shared/dom.js';

/** `#3F2A1C`: enough of an order id to tell orders apart on a board. */
export function shortId(orderId) {
  return `#${orderId.slice(0, 6).toUpperCase()}`;
}

/**
 * Makes `parent`'s children match `items`, in order, keeping nodes whose key is unchanged:
 * `update(node, item)` returns the node to keep (itself, or a replacement).
 */
function reconcile(parent, items, { key, create, update }) {
  const existing = new Map([...parent.children].map((child) => [child.dataset.key, child]));
  let cursor = parent.firstElementChild;
  for (const item of items) {
    const id = key(item);
    let node = existing.get(id);
    existing.delete(id);
    if (node) {
      const kept = update(node, item);
      if (kept !== node) {
        if (node === cursor) cursor = kept;
        node.replaceWith(kept);
        node = kept;
      }
    } else {
      node = create(item);
    }
    node.dataset.key = id;
    if (node === cursor) cursor = cursor.nextElementSibling;
    else parent.insertBefore(node, cursor);
  }
  for (const stale of existing.values()) stale.remove();
}

/** Renders every open table into `container` and the idle ones into `idleList`. */
export function renderBoard({ container, idleList, empty }, state, ctx) {
  const tables = tablesInOrder(state);
  reconcile(container, tables, {
    key: (table) => table.tableId,
    create: (table) => updateTableCard(tableCard(table, ctx), table, state, ctx),
    // A card drawn in another language is drawn again; otherwise only what changed is redrawn.
    update: (card, table) => updateTableCard(card.dataset.lang === ctx.lang ? card : tableCard(table, ctx), table, state, ctx),
  });
  empty.hidden = tables.length > 0;
  renderIdleTables(idleList, idleTables(state), ctx);
}

function tableCard(table, ctx) {
  const titleId = `table-title-${table.tableId}`;
  return el(
    'article',
    {
      class: 'table-card', 'data-testid': 'table-card', 'data-table-id': table.tableId, 'data-lang': ctx.lang,
      'aria-labelledby': titleId,
    },
    el(
      'header',
      { class: 'table-head' },
      el('h3', { id: titleId, class: 'table-title' }, ctx.t('table', { n: table.tableNumber })),
      el('span', { class: 'table-count', 'data-role': 'count' }),
      el(
        'p',
        { class: 'table-total' },
        el('span', { class: 'table-total-label' }, ctx.t('total')),
        el('strong', { 'data-testid': 'table-total', 'data-role': 'total' }),
      ),
    ),
    el('ol', { class: 'orders', 'data-testid': 'order-list', 'data-role': 'orders' }),
    el(
      'footer',
      { class: 'table-actions' },
      el('button', {
        type: 'button', class: 'button ghost', 'data-action': 'history', 'data-table-id': table.tableId,
        'data-testid': 'history-button', 'aria-label': ctx.t('historyLabel', { n: table.tableNumber }),
      }, ctx.t('history')),
      el('button', {
        type: 'button', class: 'button outline-danger', 'data-action': 'complete', 'data-table-id': table.tableId,
        'data-testid': 'complete-session-button', 'aria-label': ctx.t('completeLabel', { n: table.tableNumber }),
      }, ctx.t('completeSession')),
    ),
  );
}

function updateTableCard(card, table, state, ctx) {
  card.dataset.tableNumber = String(table.tableNumber);
  card.querySelector('[data-role="total"]').textContent = formatMoney(tableTotal(table), ctx.lang);
  const count = table.orders.length;
  card.querySelector('[data-role="count"]').textContent = ctx.t(count === 1 ? 'orderCountOne' : 'orderCount', { n: count });
  card.querySelector('[data-action="complete"]').disabled = state.busy.has(table.tableId);
  card.classList.toggle('has-new', table.orders.some((order) => state.fresh.has(order.order_id)));
  reconcile(card.querySelector('[data-role="orders"]'), table.orders, {
    key: (order) => order.order_id,
    create: (order) => orderItem(order, table, state, ctx),
    update: (node, order) =>
      node.dataset.version === orderVersion(order, state, ctx) ? node : orderItem(order, table, state, ctx),
  });
  return card;
}

/** How long after its arrival a new order's entrance is animated (not again when it is redrawn later). */
const ARRIVAL_MS = 1500;

function orderVersion(order, state, ctx) {
  const id = order.order_id;
  const items = (order.items || []).map((item) => `${item.cancelled_quantity || 0}${state.busy.has(item.item_id) ? '*' : ''}`);
  return [ctx.lang, order.status, order.updated_at, order.total_amount, items, state.fresh.has(id), state.busy.has(id)].join('|');
}

function orderItem(order, table, state, ctx) {
  const isNew = state.fresh.has(order.order_id);
  const arriving = isNew && ctx.now() - state.fresh.get(order.order_id) < ARRIVAL_MS;
  const busy = state.busy.has(order.order_id);
  const classes = ['order', `status-${order.status}`, isNew && 'is-new', arriving && 'is-arriving'].filter(Boolean);
  const node = el(
    'li',
    {
      class: classes.join(' '), 'data-testid': 'order',
      'data-order-id': order.order_id, 'data-status': order.status, 'aria-busy': busy ? 'true' : false,
    },
    orderHead(order, isNew, ctx),
    order.status === 'rejected'
      ? el('p', { class: 'reject-reason', 'data-testid': 'reject-reason' }, rejectReason(order, ctx))
      : null,
    el('ul', { class: 'items' }, order.items.map((item) => itemLine(order, item, state, ctx))),
    order.note ? el('p', { class: 'note' }, el('span', { class: 'note-label' }, `${ctx.t('note')}: `), order.note) : null,
    el('p', { class: 'order-total', 'data-testid': 'order-total' }, formatMoney(order.total_amount, ctx.lang)),
    orderActions(order, table, busy, ctx),
  );
  node.dataset.version = orderVersion(order, state, ctx);
  return node;
}

function orderHead(order, isNew, ctx) {
  return el(
    'div',
    { class: 'order-head' },
    el('span', { class: 'order-id' }, shortId(order.order_id)),
    el('time', { class: 'order-time', datetime: order.created_at }, formatTime(order.created_at, ctx.lang)),
    el('span', { class: 'order-elapsed', 'data-elapsed': order.created_at },
      formatElapsed(order.created_at, ctx.now(), ctx.t)),
    isNew ? el('span', { class: 'badge badge-new', 'data-testid': 'new-badge' }, ctx.t('new')) : null,
    el('span', { class: `badge status-badge status-${order.status}`, 'data-testid': 'order-status' },
      ctx.t(`status.${order.status}`)),
  );
}

/** Why the kitchen could not take an order: "Sold out: Bibimbap" (the name as the order copied it). */
export function rejectReason(order, ctx) {
  const reason = order.reject_reason;
  if (!reason) return ctx.t('status.rejected');
  const item = (order.items || []).find((candidate) => candidate.menu_id === reason.menu_id);
  const option = item && reason.option_id ? (item.options || []).find((o) => o.option_id === reason.option_id) : null;
  const name = [item ? item.name : '', option ? option.name : ''].filter(Boolean).join(' · ');
  return ctx.t(`reject.${reason.code}`, { name });
}

function itemLine(order, item, state, ctx) {
  const cancelled = item.cancelled_quantity || 0;
  const left = item.quantity - cancelled;
  const cancellable = (order.status === 'pending' || order.status === 'preparing') && left > 0 && item.item_id;
  return el(
    'li',
    { class: left === 0 ? 'item is-cancelled' : 'item', 'data-testid': 'order-item', 'data-item-id': item.item_id },
    el('span', { class: 'item-name' }, item.name,
      (item.options || []).length ? el('span', { class: 'item-options' }, item.options.map((o) => o.name).join(', ')) : null,
      cancelled ? el('span', { class: 'badge badge-cancelled', 'data-testid': 'cancelled-portions' },
        ctx.t('cancelledPortions', { n: cancelled })) : null),
    el('span', { class: 'item-qty' }, `× ${left}`),
    el('span', { class: 'item-subtotal' }, formatMoney(item.subtotal, ctx.lang)),
    cancellable
      ? el('button', {
        type: 'button', class: 'button ghost small', 'data-action': 'cancel-item', 'data-order-id': order.order_id,
        'data-item-id': item.item_id, 'data-seen': String(cancelled), 'data-testid': 'cancel-one',
        'aria-label': ctx.t('cancelOneLabel', { name: item.name }), disabled: state.busy.has(item.item_id),
      }, ctx.t('cancelOne'))
      : null,
  );
}

function orderActions(order, table, busy, ctx) {
  const label = { n: table.tableNumber, id: shortId(order.order_id) };
  const moves = nextStatuses[order.status].map((next) =>
    el('button', {
      type: 'button', class: `button ${next === 'cancelled' ? 'ghost' : 'primary'} move-${next}`,
      'data-action': 'move', 'data-order-id': order.order_id, 'data-next': next, 'data-testid': `move-${next}`,
      'aria-label': ctx.t('moveLabel', { ...label, action: ctx.t(`move.${next}`) }), disabled: busy,
    }, ctx.t(`move.${next}`)),
  );
  const remove = el('button', {
    type: 'button', class: 'button ghost danger', 'data-action': 'delete', 'data-order-id': order.order_id,
    'data-testid': 'delete-button', 'aria-label': ctx.t('deleteLabel', label), disabled: busy,
  }, ctx.t('delete'));
  return el('div', { class: 'order-actions' }, moves, remove);
}

function renderIdleTables(list, tables, ctx) {
  list.closest('[data-role="idle"]').hidden = tables.length === 0;
  list.replaceChildren(
    ...tables.map((table) =>
      el('li', {}, el('button', {
        type: 'button', class: 'chip', 'data-action': 'history', 'data-table-id': table.tableId,
        'data-table-number': table.tableNumber, 'data-testid': 'idle-table',
        'aria-label': ctx.t('historyLabel', { n: table.tableNumber }),
      }, ctx.t('table', { n: table.tableNumber }))),
    ),
  );
}

/** The staff calls, open ones first: each with its table, what is asked, and the next moves. */
export function renderCalls(container, state, ctx) {
  const calls = callsInOrder(state);
  container.hidden = calls.length === 0;
  const list = container.querySelector('[data-role="calls"]');
  list.replaceChildren(...calls.map((call) => {
    const label = { n: call.table_number, type: ctx.t(`call.${call.type}`) };
    return el('li', {
      class: `call call-${call.status}`, 'data-testid': 'call', 'data-call-id': call.call_id, 'data-status': call.status,
      'data-table-number': call.table_number,
    },
    el('strong', { class: 'call-table' }, ctx.t('table', { n: call.table_number })),
    el('span', { class: 'call-type' }, ctx.t(`call.${call.type}`)),
    call.note ? el('span', { class: 'call-note' }, call.note) : null,
    el('span', { class: 'call-elapsed', 'data-elapsed': call.created_at }, formatElapsed(call.created_at, ctx.now(), ctx.t)),
    el('span', { class: 'call-actions' }, nextCallStatuses[call.status].map((next) => el('button', {
      type: 'button', class: `button ${next === 'resolved' ? 'ghost' : 'primary'}`, 'data-action': 'call-move',
      'data-call-id': call.call_id, 'data-next': next, 'data-testid': `call-${next}`,
      'aria-label': ctx.t(`callMoveLabel.${next}`, label), disabled: state.busy.has(call.call_id),
    }, ctx.t(`callMove.${next}`)))));
  }));
}

/** The pending/preparing counters in the top bar. */
export function renderCounts(node, state, ctx) {
  const counts = countByStatus(state);
  node.replaceChildren(
    ...['pending', 'preparing'].map((status) =>
      el('span', { class: `count count-${status}`, 'data-testid': `count-${status}` },
        ctx.t(`count.${status}`, { n: counts[status] })),
    ),
  );
}

/** Refreshes every "5 min ago" in place. */
export function refreshElapsed(root, ctx) {
  for (const node of root.querySelectorAll('[data-elapsed]')) {
    node.textContent = formatElapsed(node.dataset.elapsed, ctx.now(), ctx.t);
  }
}

/** The history dialog's body: past sessions, newest first. */
export function renderHistory(container, sessions, ctx) {
  if (!sessions.length) {
    container.replaceChildren(el('p', { class: 'muted', 'data-testid': 'history-empty' }, ctx.t('history.empty')));
    return;
  }
  container.replaceChildren(...sessions.map((session) => historySession(session, ctx)));
}

function historySession(session, ctx) {
  const period = ctx.t('history.session', {
    start: formatDateTime(session.started_at, ctx.lang),
    end: session.ended_at ? formatDateTime(session.ended_at, ctx.lang) : '…',
  });
  return el(
    'section',
    { class: 'history-session', 'data-testid': 'history-session', 'data-session-id': session.session_id },
    el('h3', { class: 'history-head' },
      el('span', {}, period), el('strong', {}, formatMoney(session.total_amount, ctx.lang))),
    el('ul', { class: 'history-orders' }, session.orders.map((order) => historyOrder(order, ctx))),
  );
}

function historyOrder(order, ctx) {
  const items = order.items.map((item) => `${item.name} × ${item.quantity}`).join(', ');
  const status = order.deleted_at ? ctx.t('history.deleted') : ctx.t(`status.${order.status}`);
  return el(
    'li',
    { class: `history-order${order.deleted_at ? ' is-deleted' : ''}`, 'data-testid': 'history-order' },
    el('time', { datetime: order.created_at }, formatTime(order.created_at, ctx.lang)),
    el('span', { class: 'history-items' }, items),
    el('span', { class: `badge status-badge status-${order.deleted_at ? 'deleted' : order.status}` }, status),
    el('span', { class: 'history-amount' }, formatMoney(order.total_amount, ctx.lang)),
  );
}

const MAX_TOASTS = 3;

/** A message at the bottom of the screen for a few seconds (the region is a polite live region). */
export function showToast(region, message, kind = 'info') {
  const toast = el('div', { class: `toast toast-${kind}`, 'data-testid': 'toast' }, message);
  region.append(toast);
  while (region.children.length > MAX_TOASTS) region.firstElementChild.remove();
  setTimeout(() => toast.remove(), 6000);
}
