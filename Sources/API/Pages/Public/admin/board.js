// The page's controller: sign-in, loading the snapshot, the live stream, and the admin's actions.

import { login, adminApi, ApiError } from './api.js';
import { openEventStream } from '../shared/stream.js';
import { createState, loadSnapshot, loadCalls, applyEvent, findOrder, nextStatuses, nextCallStatuses, tableTotal } from './state.js';
import { renderBoard, renderCounts, renderCalls, refreshElapsed, renderHistory, showToast, shortId, rejectReason } from './view.js';
import { createMenuAdmin } from './menu-admin.js';
import { createSales } from './sales.js';
import { translator, preferredLanguage, formatMoney } from './i18n.js';
import { showLanguage } from '../shared/i18n.js';
import { collectElements } from '../shared/dom.js';

const SESSION_KEY = 'tableorder.admin';
const LANGUAGE_KEY = 'tableorder.language';
const STORE_KEY = 'tableorder.store';
const STREAM_URL = '/api/admin/orders/stream';
/** How long a new order stays highlighted (unless someone moves it first). */
const FRESH_MS = 30000;
/** How long buttons stay disabled after a 202 if the event confirming it never comes. */
const BUSY_MS = 10000;
const RELOAD_RETRY_MS = 5000;

const dom = {};
const page = {
  lang: 'ko',
  t: translator('ko'),
  session: null,
  api: null,
  stream: null,
  state: createState(),
  connection: 'offline',
  reloading: null,
  reloadTimer: null,
  outage: false,
  historyTableId: null,
  tab: 'orders',
  menuAdmin: null,
  sales: null,
};

function ctx() {
  return { lang: page.lang, t: page.t, now: () => Date.now() };
}

// ---- start-up -------------------------------------------------------------------------------------

function bindEvents() {
  dom.loginForm.addEventListener('submit', onLoginSubmit);
  dom.logout.addEventListener('click', logout);
  dom.languageToggle.addEventListener('click', toggleLanguage);
  dom.board.addEventListener('click', onBoardClick);
  dom.confirmOk.addEventListener('click', () => dom.confirmDialog.close('ok'));
  dom.confirmCancel.addEventListener('click', () => dom.confirmDialog.close('cancel'));
  dom.historyClose.addEventListener('click', () => dom.historyDialog.close());
  dom.tabs.addEventListener('click', (event) => {
    const button = event.target.closest('[data-tab]');
    if (button) showTab(button.dataset.tab);
  });
  dom.passwordForm.addEventListener('submit', onPasswordSubmit);
  const host = {
    api: null,
    storeId: () => page.session && page.session.storeId,
    ctx,
    toast: (message, kind) => showToast(dom.toasts, message, kind),
    errorMessage,
    confirm: confirmAction,
  };
  Object.defineProperty(host, 'api', { get: () => page.api });
  page.menuAdmin = createMenuAdmin(dom.menuAdmin, host);
  page.sales = createSales(dom.sales, host);
  dom.historyFilter.addEventListener('submit', (event) => {
    event.preventDefault();
    loadHistory();
  });
  setInterval(() => refreshElapsed(dom.board, ctx()), 30000);
}

// ---- tabs ---------------------------------------------------------------------------------------------

function showTab(tab) {
  page.tab = tab;
  for (const button of dom.tabs.querySelectorAll('[data-tab]')) button.setAttribute('aria-pressed', String(button.dataset.tab === tab));
  dom.board.hidden = tab !== 'orders';
  dom.menuView.hidden = tab !== 'menu';
  dom.salesView.hidden = tab !== 'sales';
  dom.accountView.hidden = tab !== 'account';
  if (tab === 'menu') page.menuAdmin.reload();
  if (tab === 'sales') page.sales.reload();
}

function init() {
  collectElements(dom);
  bindEvents();
  setLanguage(preferredLanguage(localStorage.getItem(LANGUAGE_KEY), navigator.languages || [navigator.language]));
  const session = readSession();
  if (session) startBoard(session);
  else showLogin();
}

// ---- language -------------------------------------------------------------------------------------

function setLanguage(lang) {
  page.lang = lang;
  page.t = translator(lang);
  document.title = `${page.t('appTitle')} · Table Order`;
  showLanguage(lang, page.t, dom.languageToggle);
  setConnection(page.connection);
  render();
  if (page.menuAdmin && page.menuAdmin.loaded) page.menuAdmin.render();
  if (page.sales && page.sales.loaded) page.sales.render();
}

function toggleLanguage() {
  const next = page.lang === 'ko' ? 'en' : 'ko';
  localStorage.setItem(LANGUAGE_KEY, next);
  setLanguage(next);
}

// ---- session (the token lives in sessionStorage: this tab only, gone when it closes) ---------------

function readSession() {
  try {
    const session = JSON.parse(sessionStorage.getItem(SESSION_KEY));
    if (session && session.token && session.expiresAt > Date.now()) return session;
  } catch {
    // unreadable: sign in again
  }
  sessionStorage.removeItem(SESSION_KEY);
  return null;
}

function saveSession(session) {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  localStorage.setItem(STORE_KEY, session.storeId);
}

function endSession() {
  if (page.stream) page.stream.close();
  clearTimeout(page.reloadTimer);
  page.stream = null;
  page.session = null;
  page.api = null;
  page.state = createState();
  sessionStorage.removeItem(SESSION_KEY);
}

// ---- sign-in --------------------------------------------------------------------------------------

function showLogin(message = '') {
  dom.board.hidden = true;
  dom.tabs.hidden = true;
  dom.menuView.hidden = true;
  dom.salesView.hidden = true;
  dom.accountView.hidden = true;
  dom.loginView.hidden = false;
  dom.logout.hidden = true;
  dom.counts.hidden = true;
  dom.connection.hidden = true;
  dom.storeLabel.hidden = true;
  dom.loginError.textContent = message;
  dom.loginStore.value = dom.loginStore.value || localStorage.getItem(STORE_KEY) || '';
  const firstEmpty = [dom.loginStore, dom.loginUsername, dom.loginPassword].find((input) => !input.value);
  (firstEmpty || dom.loginSubmit).focus();
}

async function onLoginSubmit(event) {
  event.preventDefault();
  const storeId = dom.loginStore.value.trim().toLowerCase();
  const username = dom.loginUsername.value.trim();
  const password = dom.loginPassword.value;
  if (!storeId || !username || !password) {
    dom.loginError.textContent = page.t('error.VALIDATION_ERROR');
    return;
  }
  setSigningIn(true);
  try {
    const answer = await login(storeId, username, password);
    const session = { token: answer.access_token, storeId, expiresAt: Date.now() + answer.expires_in * 1000 };
    saveSession(session);
    dom.loginPassword.value = '';
    startBoard(session);
  } catch (error) {
    dom.loginError.textContent = errorMessage(error);
  } finally {
    setSigningIn(false);
  }
}

function setSigningIn(busy) {
  dom.loginSubmit.disabled = busy;
  dom.loginSubmit.textContent = page.t(busy ? 'signingIn' : 'signIn');
}

function logout() {
  const api = page.api;
  endSession();
  showLogin();
  // The page forgets the token at once; the server revokes it too, so a copy of it stops working.
  if (api) api.logout().catch(() => {});
}

function onUnauthorized() {
  if (!page.session) return;
  endSession();
  showLogin(page.t('sessionExpired'));
}

// ---- the board ------------------------------------------------------------------------------------

function startBoard(session) {
  page.session = session;
  page.api = adminApi(session.token, onUnauthorized);
  dom.loginView.hidden = true;
  dom.board.hidden = false;
  dom.logout.hidden = false;
  dom.counts.hidden = false;
  dom.connection.hidden = false;
  dom.storeLabel.hidden = false;
  dom.storeLabel.textContent = session.storeId;
  dom.tabs.hidden = false;
  showTab('orders');
  dom.board.focus();
  reload();
}

/** Loads the snapshot (and the store's tables), then opens the stream from the snapshot's event id. */
function reload() {
  if (page.reloading) return page.reloading;
  clearTimeout(page.reloadTimer);
  if (page.stream) page.stream.close();
  page.stream = null;
  setConnection(page.connection === 'live' ? 'reconnecting' : 'connecting');
  page.reloading = fetchSnapshot().finally(() => {
    page.reloading = null;
  });
  return page.reloading;
}

async function fetchSnapshot() {
  const api = page.api;
  try {
    const [snapshot, tables] = await Promise.all([api.snapshot(), api.tables()]);
    // The calls are read after the snapshot, so they reflect at least its last event: a call event the
    // stream skips as older than the snapshot is already in them.
    const calls = await api.calls();
    if (api !== page.api) return; // signed out meanwhile
    page.outage = false;
    loadSnapshot(page.state, snapshot, tables);
    loadCalls(page.state, calls);
    render();
    openStream();
  } catch (error) {
    if (api !== page.api || error.status === 401) return;
    if (!page.outage) showToast(dom.toasts, errorMessage(error), 'error');
    page.outage = true; // said once, until a snapshot loads again
    setConnection('offline');
    page.reloadTimer = setTimeout(reload, (error.retryAfter || 0) * 1000 || RELOAD_RETRY_MS);
  }
}

function openStream() {
  page.stream = openEventStream({
    url: STREAM_URL,
    token: page.session.token,
    lastEventId: page.state.lastEventId,
    onEvent: onStreamEvent,
    onState: setConnection,
    onUnauthorized,
    onGiveUp: () => {
      setConnection('offline');
      reload();
    },
  });
}

function onStreamEvent({ type, data }) {
  // The menu tab shows the listing as the tablets see it: a menu write comes back as menu_changed.
  if (type === 'menu_changed' && page.menuAdmin.loaded) page.menuAdmin.reload();
  if (['order_created', 'order_rejected', 'order_status_changed', 'order_deleted', 'order_items_cancelled'].includes(type) && page.tab === 'sales') {
    page.sales.refreshSoon();
  }
  const notice = applyEvent(page.state, type, data);
  if (notice) handleNotice(notice);
  render();
}

function handleNotice(notice) {
  if (notice.kind === 'resync') {
    showToast(dom.toasts, page.t('toast.reloaded'));
    reload();
  } else if (notice.kind === 'created') {
    showToast(dom.toasts, page.t('toast.newOrder', { n: notice.tableNumber }), 'new');
    setTimeout(() => unmarkFresh(notice.order.order_id), FRESH_MS);
  } else if (notice.kind === 'kitchen-rejected' && notice.tableNumber) {
    const found = findOrder(page.state, notice.orderId);
    const reason = found ? rejectReason(found.order, ctx()) : '';
    showToast(dom.toasts, page.t('toast.kitchenRejected', { n: notice.tableNumber, reason }), 'error');
  } else if (notice.kind === 'call') {
    const type = page.t(`call.${notice.call.type}`);
    showToast(dom.toasts, page.t('toast.call', { n: notice.call.table_number, type }), 'new');
  } else if (notice.kind === 'rejected') {
    const message = page.t('toast.rejected', {
      id: shortId(notice.orderId),
      requested: page.t(`status.${notice.requested}`),
      current: page.t(`status.${notice.current}`),
    });
    showToast(dom.toasts, message, 'error');
  }
}

function unmarkFresh(orderId) {
  if (page.state.fresh.delete(orderId)) render();
}

function setConnection(state) {
  page.connection = state;
  dom.connection.dataset.state = state;
  dom.connection.textContent = page.t(`connection.${state}`);
}

function render() {
  if (!page.session) return;
  renderBoard({ container: dom.tables, idleList: dom.idleTables, empty: dom.boardEmpty }, page.state, ctx());
  renderCounts(dom.counts, page.state, ctx());
  renderCalls(dom.callsPanel, page.state, ctx());
}

// ---- actions --------------------------------------------------------------------------------------

function onBoardClick(event) {
  const button = event.target.closest('button[data-action]');
  if (!button || button.disabled) return;
  const { action, orderId, tableId, next } = button.dataset;
  if (action === 'move') moveOrder(orderId, next);
  else if (action === 'delete') deleteOrder(orderId);
  else if (action === 'complete') completeSession(tableId);
  else if (action === 'history') openHistory(tableId);
  else if (action === 'cancel-item') cancelOne(orderId, button.dataset.itemId, Number(button.dataset.seen));
  else if (action === 'call-move') moveCall(button.dataset.callId, next);
}

/** Cancels one portion of a line (v1.1 §6); the stream's order_items_cancelled redraws it. */
async function cancelOne(orderId, itemId, seenCancelled) {
  const found = findOrder(page.state, orderId);
  const item = found && found.order.items.find((candidate) => candidate.item_id === itemId);
  if (!item) return;
  const question = page.t('confirm.cancelOne', { n: found.table.tableNumber, name: item.name });
  if (!(await confirmAction(question, page.t('cancelOne')))) return;
  await whileBusy(itemId, () => page.api.cancelItems(orderId, itemId, seenCancelled, 1));
}

async function moveCall(callId, next) {
  const call = page.state.calls.get(callId);
  if (!call || !nextCallStatuses[call.status].includes(next)) return;
  await whileBusy(callId, () => page.api.moveCall(callId, call.status, next));
}

// ---- account --------------------------------------------------------------------------------------

/** Changes the password; the server then ends every token of this admin, this one too: sign in again. */
async function onPasswordSubmit(event) {
  event.preventDefault();
  const current = dom.passwordCurrent.value;
  const next = dom.passwordNew.value;
  if (next.length < 8 || next.length > 128) {
    dom.passwordError.textContent = page.t('account.tooShort');
    return;
  }
  if (next !== dom.passwordAgain.value) {
    dom.passwordError.textContent = page.t('account.mismatch');
    return;
  }
  dom.passwordSubmit.disabled = true;
  dom.passwordError.textContent = '';
  try {
    await page.api.changePassword(current, next);
    for (const input of [dom.passwordCurrent, dom.passwordNew, dom.passwordAgain]) input.value = '';
    endSession();
    showLogin(page.t('account.changed'));
  } catch (error) {
    dom.passwordError.textContent = error.code === 'INVALID_CREDENTIALS' ? page.t('account.wrongCurrent') : errorMessage(error);
  } finally {
    dom.passwordSubmit.disabled = false;
  }
}

/** Sends the move the admin chose from the status they saw; the stream's event confirms it. */
async function moveOrder(orderId, next) {
  const found = findOrder(page.state, orderId);
  if (!found) return;
  const seen = found.order.status;
  if (!nextStatuses[seen].includes(next)) return;
  if (next === 'cancelled') {
    const question = page.t('confirm.cancelled', { n: found.table.tableNumber, id: shortId(orderId) });
    if (!(await confirmAction(question, page.t('cancelOrder')))) return;
  }
  await whileBusy(orderId, () => page.api.moveStatus(orderId, seen, next));
}

async function deleteOrder(orderId) {
  const found = findOrder(page.state, orderId);
  if (!found) return;
  const question = page.t('confirm.delete', { n: found.table.tableNumber, id: shortId(orderId) });
  if (!(await confirmAction(question, page.t('delete')))) return;
  await whileBusy(orderId, () => page.api.deleteOrder(orderId));
}

async function completeSession(tableId) {
  const table = page.state.open.get(tableId);
  if (!table) return;
  const total = formatMoney(tableTotal(table), page.lang);
  const question = page.t('confirm.complete', { n: table.tableNumber, total });
  if (!(await confirmAction(question, page.t('completeSession')))) return;
  await whileBusy(tableId, () => page.api.completeSession(tableId, table.sessionId));
}

/** Disables the item's buttons until its event arrives (or BUSY_MS passes); reports a refused request. */
async function whileBusy(id, request) {
  page.state.busy.add(id);
  render();
  try {
    await request();
    setTimeout(() => {
      if (page.state.busy.delete(id)) render();
    }, BUSY_MS);
  } catch (error) {
    page.state.busy.delete(id);
    render();
    if (error.status !== 401) showToast(dom.toasts, errorMessage(error), 'error');
  }
}

function confirmAction(message, confirmLabel) {
  dom.confirmMessage.textContent = message;
  dom.confirmOk.textContent = confirmLabel;
  dom.confirmDialog.returnValue = '';
  dom.confirmDialog.showModal();
  return new Promise((resolve) => {
    dom.confirmDialog.addEventListener('close', () => resolve(dom.confirmDialog.returnValue === 'ok'), { once: true });
  });
}

// ---- history --------------------------------------------------------------------------------------

function openHistory(tableId) {
  page.historyTableId = tableId;
  const number = page.state.known.get(tableId);
  dom.historyTitle.textContent = page.t('history.title', { n: number });
  dom.historyDialog.showModal();
  loadHistory();
}

async function loadHistory() {
  const tableId = page.historyTableId;
  dom.historyBody.replaceChildren(page.t('history.loading'));
  try {
    const answer = await page.api.history(tableId, dom.historyFrom.value, dom.historyTo.value);
    if (tableId === page.historyTableId) renderHistory(dom.historyBody, answer.sessions || [], ctx());
  } catch (error) {
    dom.historyBody.replaceChildren(errorMessage(error));
  }
}

// ---- errors ---------------------------------------------------------------------------------------

function errorMessage(error) {
  if (!(error instanceof ApiError)) return page.t('error.generic', { code: String(error) });
  const key = `error.${error.code}`;
  const text = page.t(key, { s: error.retryAfter || 1 });
  return text === key ? page.t('error.generic', { code: error.code }) : text;
}

init();
