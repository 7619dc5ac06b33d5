// The tablet's controller: set-up by staff, the menu, the cart and the order on its way, the table's
// orders and calls kept live by the table's stream.

import { request, authorized, randomKey, ApiError } from '../shared/http.js';
import { openEventStream } from '../shared/stream.js';
import { preferredLanguage, showLanguage, formatMoney } from '../shared/i18n.js';
import { collectElements } from '../shared/dom.js';
import { translator } from './i18n.js';
import { menuSections, findMenu, orderable, toggleOption, chosenInOrder, choiceProblems, localized } from './menu.js';
import { loadCart, saveCart, addToCart, setQuantity, loadOutbox, placeOrder, clearOutbox, sendOutbox } from './cart.js';
import { createTableState, loadOrders, loadCalls, applyTableEvent, tableTotal } from './orders.js';
import {
  renderCategories, renderMenu, renderCart, renderOrders, renderCalls, renderItemGroups, itemSummary, cartTotal,
  rejectReason, showToast,
} from './view.js';

const SESSION_KEY = 'tableorder.table.session';
const AWAITED_KEY = 'tableorder.table.awaited';
const LANGUAGE_KEY = 'tableorder.table.language';
/** The last menu seen, so a tablet that reloads offline still shows it (and names what is in the cart). */
const MENU_KEY = 'tableorder.table.menu';
const STREAM_URL = '/api/table/stream';
/** An order answered 202 but not yet seen stored is asked for directly after this long. */
const AWAIT_POLL_MS = 4000;
/** An order answered 202 and never seen stored stops being asked for after this long. */
const AWAIT_LIMIT_MS = 10 * 60000;
/** How long a call button stays disabled if the event confirming the call never comes. */
const CALL_BUSY_MS = 10000;

const dom = {};
const page = {
  lang: 'ko',
  t: translator('ko'),
  session: null,
  call: null,
  stream: null,
  lastEventId: null,
  /** Events that arrived while the orders were loading, applied after the load. */
  pending: null,
  listing: { categories: [], menus: [] },
  menuLoaded: false,
  /** What the menu on screen was drawn from. */
  menuDrawn: { listing: null, lang: null },
  state: createTableState(),
  cart: loadCart(localStorage),
  outboxState: null,
  sending: false,
  busyCalls: new Set(),
  dialog: null,
  connection: 'connecting',
};

const ctx = () => ({ lang: page.lang, t: page.t });

// ---- start-up -------------------------------------------------------------------------------------

function bindEvents() {
  dom.setupForm.addEventListener('submit', onSetupSubmit);
  dom.languageToggle.addEventListener('click', toggleLanguage);
  dom.orderingView.addEventListener('click', onClick);
  dom.cartNote.addEventListener('input', () => {
    page.cart = { ...page.cart, note: dom.cartNote.value };
    saveCart(localStorage, page.cart);
  });
  dom.placeOrder.addEventListener('click', onPlaceOrder);
  dom.itemGroups.addEventListener('change', onOptionChange);
  dom.itemLess.addEventListener('click', () => changeDialogQuantity(-1));
  dom.itemMore.addEventListener('click', () => changeDialogQuantity(1));
  dom.itemCancel.addEventListener('click', () => dom.itemDialog.close());
  dom.itemAdd.addEventListener('click', addFromDialog);
  dom.itemDialog.addEventListener('close', () => { page.dialog = null; });
  window.addEventListener('online', renderNetwork);
  window.addEventListener('offline', renderNetwork);
  // Another tab of this tablet changed the cart or the order on its way.
  window.addEventListener('storage', () => {
    page.cart = loadCart(localStorage);
    render();
  });
  setInterval(pollAwaited, AWAIT_POLL_MS);
}

function init() {
  // Only where the browser allows workers (HTTPS, or this machine): elsewhere a reload needs the network.
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('/tablet-offline.js', { scope: '/table' }).catch(() => {});
  collectElements(dom);
  bindEvents();
  setLanguage(preferredLanguage(localStorage.getItem(LANGUAGE_KEY), navigator.languages || [navigator.language]));
  const session = readSession();
  if (session && session.token) start(session);
  else showSetup(session);
}

// ---- language -------------------------------------------------------------------------------------

function setLanguage(lang) {
  page.lang = lang;
  page.t = translator(lang);
  showLanguage(lang, page.t, dom.languageToggle);
  render();
}

function toggleLanguage() {
  const next = page.lang === 'ko' ? 'en' : 'ko';
  localStorage.setItem(LANGUAGE_KEY, next);
  setLanguage(next);
}

// ---- the tablet's session: kept on the device until the token ends ----------------------------------

function readSession() {
  try {
    const session = JSON.parse(localStorage.getItem(SESSION_KEY));
    if (session && session.storeId) {
      if (session.token && !(session.expiresAt > Date.now())) session.token = null;
      return session;
    }
  } catch {
    // unreadable: set up again
  }
  return null;
}

function tableKey(session) {
  return `${session.storeId}/${session.tableNumber}`;
}

function showSetup(previous, message = '') {
  dom.orderingView.hidden = true;
  dom.setupView.hidden = false;
  dom.setupError.textContent = message;
  if (previous) {
    dom.setupStore.value = dom.setupStore.value || previous.storeId || '';
    dom.setupTable.value = dom.setupTable.value || String(previous.tableNumber || '');
  }
  const firstEmpty = [dom.setupStore, dom.setupTable, dom.setupPassword].find((input) => !input.value);
  (firstEmpty || dom.setupSubmit).focus();
}

async function onSetupSubmit(event) {
  event.preventDefault();
  const storeId = dom.setupStore.value.trim().toLowerCase();
  const tableNumber = Number(dom.setupTable.value.trim());
  const password = dom.setupPassword.value;
  if (!storeId || !Number.isInteger(tableNumber) || tableNumber < 1 || !password) {
    dom.setupError.textContent = page.t('error.INVALID_CREDENTIALS');
    return;
  }
  dom.setupSubmit.disabled = true;
  dom.setupSubmit.textContent = page.t('settingUp');
  try {
    const answer = await request('POST', '/api/auth/table/login', {
      body: { store_id: storeId, table_number: tableNumber, password },
    });
    const session = { token: answer.access_token, storeId, tableNumber, expiresAt: Date.now() + answer.expires_in * 1000 };
    localStorage.setItem(SESSION_KEY, JSON.stringify(session));
    dom.setupPassword.value = '';
    start(session);
  } catch (error) {
    dom.setupError.textContent = errorMessage(error);
  } finally {
    dom.setupSubmit.disabled = false;
    dom.setupSubmit.textContent = page.t('setupSubmit');
  }
}

/**
 * The token has ended (expired, or revoked by a password reset): staff must set the tablet up again. Only
 * the current session's token counts: a late answer to the last one's must not end the next.
 */
function onUnauthorized(session = page.session) {
  if (!page.session || session !== page.session) return;
  const ended = page.session;
  stop();
  localStorage.setItem(SESSION_KEY, JSON.stringify({ ...ended, token: null }));
  showSetup(ended, page.t('setupAgain'));
}

function stop() {
  if (page.stream) page.stream.close();
  page.stream = null;
  page.session = null;
  page.call = null;
  page.state = createTableState();
  page.lastEventId = null;
}

// ---- running ----------------------------------------------------------------------------------------

function start(session) {
  page.session = session;
  page.call = authorized(session.token, () => onUnauthorized(session));
  dom.setupView.hidden = true;
  dom.orderingView.hidden = false;
  for (const [id, placedAt] of Object.entries(readAwaited())) page.state.awaited.set(id, placedAt);
  const kept = readKeptMenu(session.storeId);
  if (kept) page.listing = kept;
  const outbox = loadOutbox(localStorage);
  if (outbox && outbox.tableKey !== tableKey(session)) clearOutbox(localStorage, outbox.key);
  render();
  // The stream opens first, and the orders are read once it is live (and again whenever it comes back
  // without a replay): what changes after the read arrives as an event, held until the read is applied.
  page.pending = [];
  openStream(null);
  runOutbox();
}

async function reloadAll() {
  if (page.loading) {
    page.loadAgain = true;
    return;
  }
  page.loading = true;
  page.pending = page.pending || [];
  const call = page.call;
  try {
    const [orders, calls] = await Promise.all([call('GET', '/api/table/orders'), call('GET', '/api/table/calls'), reloadMenu()]);
    if (call !== page.call) return;
    page.state.orders.clear();
    loadOrders(page.state, orders);
    loadCalls(page.state, calls);
    const held = page.pending;
    page.pending = null;
    for (const event of held) onStreamEvent(event);
    saveAwaited();
    render();
  } catch (error) {
    if (call !== page.call || error.status === 401) return;
    page.pending = null;
    setTimeout(() => { if (call === page.call) reloadAll(); }, 3000);
  } finally {
    page.loading = false;
    if (page.loadAgain && call === page.call) {
      page.loadAgain = false;
      page.pending = [];
      reloadAll();
    }
  }
}

async function reloadMenu() {
  if (!page.session) return;
  try {
    const storeId = page.session.storeId;
    page.listing = await request('GET', `/api/stores/${encodeURIComponent(storeId)}/menus`);
    page.menuLoaded = true;
    localStorage.setItem(MENU_KEY, JSON.stringify({ storeId, listing: page.listing }));
    if (page.dialog) refreshDialog();
    render();
  } catch {
    // The menu on screen stays, and is asked for again (a menu_changed meanwhile asks sooner).
    reloadMenuSoon(5000);
  }
}

function readKeptMenu(storeId) {
  try {
    const kept = JSON.parse(localStorage.getItem(MENU_KEY));
    return kept && kept.storeId === storeId && kept.listing ? kept.listing : null;
  } catch {
    return null;
  }
}

let menuReloadTimer = null;
function reloadMenuSoon(delay = 150) {
  clearTimeout(menuReloadTimer);
  menuReloadTimer = setTimeout(reloadMenu, delay);
}

function openStream(lastEventId) {
  const session = page.session;
  page.stream = openEventStream({
    url: STREAM_URL,
    token: page.session.token,
    lastEventId,
    onEvent: onStreamEvent,
    onState: (state) => {
      if (state === 'live' && page.connection !== 'live') reloadAll();
      page.connection = state;
      renderNetwork();
    },
    onUnauthorized: () => onUnauthorized(session),
    onGiveUp: () => {
      page.connection = 'reconnecting';
      renderNetwork();
      const session = page.session;
      setTimeout(() => {
        if (page.session !== session) return;
        openStream(page.lastEventId);
        reloadAll();
      }, 3000);
    },
  });
}

function onStreamEvent(event) {
  if (event.id != null) page.lastEventId = event.id;
  if (page.pending) {
    page.pending.push(event);
    return;
  }
  const notice = applyTableEvent(page.state, event.type, event.data);
  if (notice) handleNotice(notice);
  saveAwaited();
  render();
}

function handleNotice(notice) {
  if (notice.kind === 'menu') reloadMenuSoon();
  else if (notice.kind === 'resync') reloadAll();
  else if (notice.kind === 'rejected') {
    const order = page.state.orders.get(notice.orderId);
    const reason = rejectReason(notice.reason, page.listing, order, ctx());
    showToast(dom.toasts, page.t('toast.rejected', { reason }), 'error');
    reloadMenuSoon();
  } else if (notice.kind === 'refetch') {
    refetchOrder(notice.orderId);
  } else if (notice.kind === 'session-ended') {
    // The party has paid and left: the next one starts with an empty cart too.
    page.state.awaited.clear();
    page.cart = { lines: [], note: '' };
    saveCart(localStorage, page.cart);
    showToast(dom.toasts, page.t('toast.sessionEnded'));
  }
}

// ---- orders this tablet placed and has not seen stored yet -----------------------------------------

function readAwaited() {
  try {
    return JSON.parse(localStorage.getItem(AWAITED_KEY)) || {};
  } catch {
    return {};
  }
}

function saveAwaited() {
  localStorage.setItem(AWAITED_KEY, JSON.stringify(Object.fromEntries(page.state.awaited)));
}

/** Reads one order again (a partial cancel: the stored lines are the truth, an event replayed over a load is not). */
async function refetchOrder(orderId) {
  const call = page.call;
  try {
    const order = await call('GET', `/api/orders/${encodeURIComponent(orderId)}`);
    if (call !== page.call) return;
    loadOrders(page.state, { orders: [order] });
    render();
  } catch {
    // the next load or event brings it
  }
}

/** Asks for each order answered 202 that no event has shown (a stream can be away when it is stored). */
async function pollAwaited() {
  const call = page.call;
  if (!call) return;
  for (const [orderId, placedAt] of page.state.awaited) {
    if (Date.now() - placedAt < AWAIT_POLL_MS) continue;
    if (Date.now() - placedAt > AWAIT_LIMIT_MS) {
      // Not stored after this long: not this table's any more (a completed session, a tablet moved).
      page.state.awaited.delete(orderId);
      saveAwaited();
      continue;
    }
    try {
      const order = await call('GET', `/api/orders/${encodeURIComponent(orderId)}`);
      if (call !== page.call) return;
      loadOrders(page.state, { orders: [order] });
      saveAwaited();
      render();
    } catch {
      // not stored yet (404), or away: asked again next time
    }
  }
}

// ---- the cart and the order on its way -------------------------------------------------------------

async function onPlaceOrder() {
  if (!page.session || !cartOrderable()) return;
  const outbox = placeOrder(localStorage, { ...page.cart, note: dom.cartNote.value }, tableKey(page.session));
  if (!outbox) return; // an order is already on its way, or the cart is empty: a double tap ends here
  page.cart = loadCart(localStorage);
  render();
  await runOutbox();
}

function cartOrderable() {
  return page.cart.lines.length > 0 && page.cart.lines.every((line) => {
    const menu = findMenu(page.listing, line.menuId);
    return orderable(menu) && choiceProblems(menu, new Set(line.options)).length === 0;
  });
}

/** Sends the order waiting in the outbox, if any, until the server has answered it for good. */
async function runOutbox() {
  if (page.sending || !page.session) return;
  const outbox = loadOutbox(localStorage);
  if (!outbox) return;
  page.sending = true;
  try {
    const result = await sendOutbox(outbox, {
      // The session's current token on every try: staff may set the tablet up again meanwhile.
      post: (body, key) => page.call('POST', '/api/orders', { body, headers: { 'Idempotency-Key': key } }),
      onState: (state, error) => {
        page.outboxState = { state, error };
        render();
      },
      networkBack: () => new Promise((resolve) => window.addEventListener('online', resolve, { once: true })),
    });
    if (result.unauthorized) return; // kept: sent again, with its key, once staff have set the tablet up
    clearOutbox(localStorage, outbox.key);
    if (result.orderId) {
      page.state.awaited.set(result.orderId, Date.now());
      saveAwaited();
      page.outboxState = null;
    } else if (result.uncertain) {
      // It may have gone through: the dishes do not go back into the cart (a second order could follow).
      page.outboxState = { state: 'uncertain', error: result.uncertain };
    } else {
      // Refused for good (the menu changed under the order): the dishes go back into the cart.
      page.cart = loadCart(localStorage);
      for (const line of outbox.lines) page.cart = addToCart(page.cart, line.menuId, line.options, line.quantity);
      if (!page.cart.note && outbox.body.note) page.cart = { ...page.cart, note: outbox.body.note };
      saveCart(localStorage, page.cart);
      page.outboxState = { state: 'refused', error: result.refused };
      reloadMenuSoon();
    }
  } finally {
    page.sending = false;
    render();
  }
}

function onClick(event) {
  const target = event.target.closest('[data-action]');
  if (!target || target.disabled) return;
  const { action } = target.dataset;
  if (action === 'open-menu') openItemDialog(target.dataset.menuId);
  else if (action === 'line-less' || action === 'line-more') {
    const line = page.cart.lines.find((candidate) => candidate.id === target.dataset.line);
    if (!line) return;
    page.cart = setQuantity(page.cart, line.id, line.quantity + (action === 'line-more' ? 1 : -1));
    saveCart(localStorage, page.cart);
    render();
  } else if (action === 'call') callStaff(target.dataset.type);
}

// ---- the item dialog --------------------------------------------------------------------------------

function openItemDialog(menuId) {
  const menu = findMenu(page.listing, menuId);
  if (!orderable(menu)) return;
  page.dialog = { menuId, chosen: new Set(), quantity: 1 };
  refreshDialog();
  dom.itemDialog.showModal();
}

function refreshDialog() {
  const menu = findMenu(page.listing, page.dialog.menuId);
  if (!orderable(menu)) {
    dom.itemDialog.close();
    return;
  }
  const { name, description } = localized(menu, page.lang);
  dom.itemTitle.textContent = name;
  dom.itemDescription.textContent = description;
  renderItemGroups(dom.itemGroups, menu, page.dialog.chosen, ctx());
  const { price, problem } = itemSummary(menu, page.dialog.chosen, page.dialog.quantity, ctx());
  dom.itemQuantity.textContent = String(page.dialog.quantity);
  dom.itemLess.disabled = page.dialog.quantity <= 1;
  dom.itemMore.disabled = page.dialog.quantity >= 99;
  dom.itemProblem.textContent = problem;
  dom.itemAdd.textContent = page.t('add', { total: formatMoney(price, page.lang) });
  dom.itemAdd.disabled = Boolean(problem);
}

function onOptionChange(event) {
  const input = event.target.closest('input[data-action=option]');
  if (!input || !page.dialog) return;
  const menu = findMenu(page.listing, page.dialog.menuId);
  page.dialog.chosen = toggleOption(menu, page.dialog.chosen, input.dataset.groupId, input.dataset.optionId);
  refreshDialog();
}

function changeDialogQuantity(step) {
  if (!page.dialog) return;
  page.dialog.quantity = Math.max(1, Math.min(99, page.dialog.quantity + step));
  refreshDialog();
}

function addFromDialog() {
  if (!page.dialog) return;
  const menu = findMenu(page.listing, page.dialog.menuId);
  if (!orderable(menu) || choiceProblems(menu, page.dialog.chosen).length) return;
  page.cart = addToCart(loadCart(localStorage), menu.id, chosenInOrder(menu, page.dialog.chosen), page.dialog.quantity);
  page.cart.note = dom.cartNote.value;
  saveCart(localStorage, page.cart);
  dom.itemDialog.close();
  render();
}

// ---- staff calls ------------------------------------------------------------------------------------

async function callStaff(type) {
  if (page.busyCalls.has(type)) return;
  page.busyCalls.add(type);
  render();
  try {
    await page.call('POST', '/api/table/calls', { body: { type }, headers: { 'Idempotency-Key': randomKey(`call-${type}`) } });
    showToast(dom.toasts, page.t('toast.called', { type: page.t(`call.${type}`) }));
    setTimeout(() => {
      page.busyCalls.delete(type);
      render();
    }, CALL_BUSY_MS);
  } catch (error) {
    page.busyCalls.delete(type);
    render();
    if (error.status !== 401) showToast(dom.toasts, errorMessage(error), 'error');
  }
}

// ---- drawing ----------------------------------------------------------------------------------------

function renderNetwork() {
  const offline = !navigator.onLine;
  const away = offline || page.connection === 'reconnecting';
  dom.network.hidden = !away || !page.session;
  dom.network.textContent = page.t(offline ? 'network.offline' : 'network.reconnecting');
  dom.network.dataset.state = offline ? 'offline' : page.connection;
}

function render() {
  renderNetwork();
  if (!page.session) return;
  const c = ctx();
  dom.tableLabel.textContent = page.t('tableTitle', { n: page.session.tableNumber });
  document.title = `${page.t('tableTitle', { n: page.session.tableNumber })} · Table Order`;
  // The menu is drawn again only when it or the language changed (its pictures would flicker otherwise).
  if (page.menuDrawn.listing !== page.listing || page.menuDrawn.lang !== page.lang) {
    const sections = menuSections(page.listing);
    renderCategories(dom.categories, sections, c);
    renderMenu(dom.menuSections, sections, c);
    page.menuDrawn = { listing: page.listing, lang: page.lang };
  }
  dom.menuEmpty.hidden = dom.menuSections.childElementCount > 0;
  dom.menuEmpty.textContent = page.t(page.menuLoaded ? 'menuEmpty' : 'menuLoading');
  renderCart(dom.cartLines, page.cart, page.listing, c);
  dom.cartEmpty.hidden = page.cart.lines.length > 0;
  if (document.activeElement !== dom.cartNote) dom.cartNote.value = page.cart.note;
  const total = cartTotal(page.cart, page.listing);
  dom.cartTotal.textContent = formatMoney(total, page.lang);
  const outbox = loadOutbox(localStorage);
  dom.placeOrder.disabled = Boolean(outbox) || !cartOrderable();
  dom.placeOrder.textContent = page.cart.lines.length ? page.t('placeOrderTotal', { total: formatMoney(total, page.lang) }) : page.t('placeOrder');
  renderOutbox(outbox);
  renderOrders(dom.orders, page.state, page.listing, c);
  dom.ordersEmpty.hidden = page.state.orders.size + page.state.awaited.size > 0;
  dom.tableTotal.textContent = page.state.orders.size ? page.t('tableTotalLabel', { total: formatMoney(tableTotal(page.state), page.lang) }) : '';
  renderCalls(dom.callButtons, page.state, page.busyCalls, c);
}

function renderOutbox(outbox) {
  const shown = page.outboxState;
  if (outbox) {
    const waiting = shown && shown.state === 'waiting';
    dom.outbox.hidden = false;
    dom.outbox.dataset.state = waiting ? 'waiting' : 'sending';
    dom.outbox.textContent = page.t(waiting ? 'outbox.waiting' : 'outbox.sending');
  } else if (shown && shown.state === 'refused') {
    dom.outbox.hidden = false;
    dom.outbox.dataset.state = 'refused';
    dom.outbox.textContent = page.t('outbox.refused', { reason: errorMessage(shown.error) });
  } else if (shown && shown.state === 'uncertain') {
    dom.outbox.hidden = false;
    dom.outbox.dataset.state = 'refused';
    dom.outbox.textContent = page.t('outbox.uncertain');
  } else {
    dom.outbox.hidden = true;
  }
}

function errorMessage(error) {
  if (!(error instanceof ApiError)) return page.t('error.generic', { code: String(error) });
  const key = `error.${error.code}`;
  const text = page.t(key, { s: error.retryAfter || 1 });
  return text === key ? page.t('error.generic', { code: error.code }) : text;
}

init();
