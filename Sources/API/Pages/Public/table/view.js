// Builds the tablet's DOM from data. Text goes in as text nodes, never as HTML; buttons carry
// `data-action` and ids, and tablet.js handles their clicks in one place.

import { el } from '../shared/dom.js';
import { formatMoney, formatTime } from '../shared/i18n.js';
import { localized, optionGroups, orderable, findMenu, unitPrice, choiceProblems } from './menu.js';
import { ordersToShow, openCalls } from './orders.js';

/** Call types the tablet offers, in the order shown (contract v1.1 §7). */
export const callTypes = ['water', 'bill', 'assistance', 'utensils'];

/** Replaces `parent`'s children, keeping keyboard focus on the control with the same `data-focus`. */
function replaceKeepingFocus(parent, children) {
  const focused = parent.contains(document.activeElement) ? document.activeElement.dataset.focus : null;
  parent.replaceChildren(...children);
  if (focused) {
    const again = parent.querySelector(`[data-focus="${CSS.escape(focused)}"]`);
    if (again) again.focus();
  }
}

export function renderCategories(nav, sections, ctx) {
  replaceKeepingFocus(nav, sections.map(({ category }) =>
    el('a', { class: 'category-link', href: `#category-${category.id}`, 'data-focus': `cat-${category.id}` },
      localized(category, ctx.lang).name)));
}

export function renderMenu(container, sections, ctx) {
  replaceKeepingFocus(container, sections.map(({ category, menus }) =>
    el('section', { class: 'menu-section', id: `category-${category.id}`, 'aria-labelledby': `category-title-${category.id}` },
      el('h3', { class: 'category-title', id: `category-title-${category.id}` }, localized(category, ctx.lang).name),
      el('div', { class: 'menu-grid' }, menus.map((menu) => menuCard(menu, ctx))))));
}

function menuCard(menu, ctx) {
  const { name, description } = localized(menu, ctx.lang);
  const available = orderable(menu);
  const badges = [];
  if (!available) badges.push(el('span', { class: 'badge sold-out', 'data-testid': 'sold-out' }, ctx.t('soldOut')));
  else if (menu.stock != null && menu.stock <= 5) badges.push(el('span', { class: 'badge few' }, ctx.t('left', { n: menu.stock })));
  if (available && optionGroups(menu).length) badges.push(el('span', { class: 'badge' }, ctx.t('options')));
  return el(
    'button',
    {
      type: 'button', class: 'menu-card', 'data-action': 'open-menu', 'data-menu-id': menu.id, 'data-testid': 'menu-card',
      'data-available': String(available), 'aria-disabled': available ? null : 'true', 'data-focus': `menu-${menu.id}`,
      'aria-label': available ? `${name}, ${formatMoney(menu.price, ctx.lang)}` : `${name}, ${ctx.t('soldOut')}`,
    },
    menu.image_url
      ? el('img', { class: 'menu-image', src: menu.image_url, alt: '', loading: 'lazy', decoding: 'async', referrerpolicy: 'no-referrer' })
      : el('span', { class: 'menu-image placeholder', 'aria-hidden': 'true' }, name.slice(0, 1)),
    el('span', { class: 'menu-name', 'data-testid': 'menu-name' }, name),
    description ? el('span', { class: 'menu-description' }, description) : null,
    el('span', { class: 'menu-foot' }, el('span', { class: 'menu-price' }, formatMoney(menu.price, ctx.lang)), badges));
}

/** The options a line chose, by name in the diner's language. */
function optionNames(menu, optionIds, lang) {
  if (!menu) return [];
  const names = [];
  for (const group of optionGroups(menu)) {
    for (const option of group.options) if (optionIds.includes(option.id)) names.push(localized(option, lang).name);
  }
  return names;
}

export function renderCart(list, cart, listing, ctx) {
  replaceKeepingFocus(list, cart.lines.map((line) => {
    const menu = findMenu(listing, line.menuId);
    const name = menu ? localized(menu, ctx.lang).name : '…';
    const options = optionNames(menu, line.options, ctx.lang);
    const price = menu ? unitPrice(menu, new Set(line.options)) * line.quantity : 0;
    return el(
      'li',
      { class: 'cart-line', 'data-testid': 'cart-line', 'data-menu-id': line.menuId, 'data-available': String(orderable(menu)) },
      el('span', { class: 'cart-name' }, name, options.length ? el('span', { class: 'cart-options' }, options.join(', ')) : null,
        orderable(menu) ? null : el('span', { class: 'badge sold-out' }, ctx.t('soldOut'))),
      el('span', { class: 'stepper small' },
        el('button', { type: 'button', class: 'button round', 'data-action': 'line-less', 'data-line': line.id, 'data-focus': `less-${line.id}`, 'aria-label': ctx.t(line.quantity > 1 ? 'lineLess' : 'remove', { name }) }, '−'),
        el('output', { 'aria-label': ctx.t('lineQuantity', { name, n: line.quantity }), 'data-testid': 'cart-quantity' }, String(line.quantity)),
        el('button', { type: 'button', class: 'button round', 'data-action': 'line-more', 'data-line': line.id, 'data-focus': `more-${line.id}`, 'aria-label': ctx.t('lineMore', { name }), disabled: line.quantity >= 99 }, '+')),
      el('span', { class: 'cart-price' }, formatMoney(price, ctx.lang)));
  }));
}

/** The cart's total as priced from the menu the tablet holds (the server prices the order itself). */
export function cartTotal(cart, listing) {
  return cart.lines.reduce((sum, line) => {
    const menu = findMenu(listing, line.menuId);
    return menu ? sum + unitPrice(menu, new Set(line.options)) * line.quantity : sum;
  }, 0);
}

export function renderOrders(list, state, listing, ctx) {
  replaceKeepingFocus(list, ordersToShow(state).map((order) => orderCard(order, listing, ctx)));
}

/** Why an order was rejected, in words: "sold out: Bibimbap". */
export function rejectReason(reason, listing, order, ctx) {
  if (!reason) return '';
  const menu = findMenu(listing, reason.menu_id);
  const item = (order && order.items || []).find((candidate) => candidate.menu_id === reason.menu_id);
  let name = menu ? localized(menu, ctx.lang).name : item ? item.name : '';
  if (reason.option_id && menu) {
    for (const group of optionGroups(menu)) {
      const option = group.options.find((candidate) => candidate.id === reason.option_id);
      if (option) name = `${name} · ${localized(option, ctx.lang).name}`;
    }
  }
  const key = `reject.${reason.code}`;
  const text = ctx.t(key, { name });
  return text === key ? reason.code : text;
}

function orderCard(order, listing, ctx) {
  const status = order.status;
  return el(
    'li',
    { class: `order status-${status}`, 'data-testid': 'order', 'data-order-id': order.order_id, 'data-status': status },
    el('p', { class: 'order-head' },
      el('span', { class: 'order-status', 'data-testid': 'order-status' }, ctx.t(`status.${status}`)),
      order.created_at ? el('span', { class: 'muted' }, ctx.t('orderedAt', { time: formatTime(order.created_at, ctx.lang) })) : null,
      order.total_amount != null ? el('strong', { class: 'order-total' }, formatMoney(order.total_amount, ctx.lang)) : null),
    status === 'rejected'
      ? el('p', { class: 'order-reason', 'data-testid': 'reject-reason' }, rejectReason(order.reject_reason, listing, order, ctx))
      : null,
    el('ul', { class: 'order-items' }, (order.items || []).map((item) => {
      const menu = findMenu(listing, item.menu_id);
      const name = menu ? localized(menu, ctx.lang).name : item.name;
      const options = (item.options || []).map((option) => {
        const current = menu && optionGroups(menu).flatMap((group) => group.options).find((o) => o.id === option.option_id);
        return current ? localized(current, ctx.lang).name : option.name;
      });
      const cancelled = item.cancelled_quantity || 0;
      return el('li', { class: cancelled >= item.quantity ? 'item cancelled' : 'item', 'data-testid': 'order-item' },
        `${item.quantity} × ${name}`, options.length ? el('span', { class: 'cart-options' }, options.join(', ')) : null,
        cancelled ? el('span', { class: 'badge', 'data-testid': 'cancelled-portions' }, ctx.t('cancelledPortions', { n: cancelled })) : null);
    })));
}

export function renderCalls(container, state, busy, ctx) {
  const open = openCalls(state);
  replaceKeepingFocus(container, callTypes.map((type) => {
    const call = open.get(type);
    const label = ctx.t(`call.${type}`);
    return el(
      'button',
      {
        type: 'button', class: 'button call', 'data-action': 'call', 'data-type': type, 'data-testid': `call-${type}`,
        'data-state': call ? call.status : 'none', 'aria-pressed': call ? 'true' : 'false', 'data-focus': `call-${type}`,
        disabled: busy.has(type) || Boolean(call),
        'aria-label': call ? ctx.t('call.labelOpen', { type: label, state: ctx.t(`call.${call.status}`) }) : ctx.t('call.label', { type: label }),
      },
      el('span', { class: 'call-name' }, label),
      call ? el('span', { class: 'call-state', 'data-testid': 'call-state' }, ctx.t(`call.${call.status}`)) : null);
  }));
}

/** The option groups of the item dialog: one fieldset per group, a checkbox per option. */
export function renderItemGroups(container, menu, chosen, ctx) {
  replaceKeepingFocus(container, optionGroups(menu).map((group) => {
    const groupName = localized(group, ctx.lang).name;
    const rule = group.min_select === group.max_select
      ? ctx.t('chooseExactly', { n: group.min_select })
      : `${ctx.t(group.min_select > 0 ? 'required' : 'optional')} · ${ctx.t('chooseUpTo', { n: group.max_select })}`;
    return el('fieldset', { class: 'option-group', 'data-testid': 'option-group', 'data-group-id': group.id },
      el('legend', {}, groupName, el('span', { class: 'muted rule' }, rule)),
      group.options.map((option) => {
        const id = `option-${option.id}`;
        const { name } = localized(option, ctx.lang);
        const delta = option.price_delta ? ` ${option.price_delta > 0 ? '+' : ''}${formatMoney(option.price_delta, ctx.lang)}` : '';
        return el('label', { class: 'option', for: id, 'data-available': String(option.is_available !== false) },
          el('input', {
            type: 'checkbox', id, 'data-action': 'option', 'data-group-id': group.id, 'data-option-id': option.id,
            'data-testid': 'option', 'data-focus': id, checked: chosen.has(option.id), disabled: option.is_available === false,
          }),
          el('span', { class: 'option-name' }, name),
          el('span', { class: 'option-price' }, option.is_available === false ? ctx.t('soldOut') : delta));
      }));
  }));
}

/** The dialog's price and what still stops "add": `{ price, problem }`. */
export function itemSummary(menu, chosen, quantity, ctx) {
  const problems = choiceProblems(menu, chosen);
  const first = problems[0];
  let problem = '';
  if (first) {
    const group = localized(first.group, ctx.lang).name;
    problem = first.problem === 'unavailable'
      ? ctx.t('optionUnavailable', { group })
      : ctx.t('chooseAtLeast', { group, n: first.group.min_select });
  }
  return { price: unitPrice(menu, chosen) * quantity, problem };
}

export function showToast(container, message, kind = 'info') {
  const toast = el('p', { class: `toast toast-${kind}`, 'data-testid': 'toast' }, message);
  container.append(toast);
  setTimeout(() => toast.remove(), 6000);
}
