// The board's sales tab: today or a chosen range of the store's local dates (contract v1.1 §7), by day,
// hour and item, drawn as bar charts (SVG drawn here, nothing from elsewhere), with the CSV downloads.

import { el } from '../shared/dom.js';
import { formatMoney } from '../shared/i18n.js';

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  node.append(...children);
  return node;
}

/**
 * A bar chart of `bars` (`{ label, value, title }`), `width`×`height` in its own units, scaled to the
 * largest value; every bar has a `<title>` (hover and screen readers) and the chart an accessible name.
 */
export function barChart(bars, { name, width = 720, height = 200, labelEvery = 1 }) {
  const top = Math.max(1, ...bars.map((bar) => bar.value));
  const gap = 2;
  const bottom = 22;
  // Bars no wider than 48 units: a one-day range is one bar, not a wall.
  const slot = Math.min(48, width / Math.max(1, bars.length));
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': name, class: 'chart' });
  bars.forEach((bar, index) => {
    const barHeight = Math.round(((height - bottom) * bar.value) / top);
    const x = index * slot;
    chart.append(svg('rect', {
      x: x + gap / 2, y: height - bottom - barHeight, width: Math.max(1, slot - gap), height: barHeight,
      class: 'bar', 'data-value': bar.value,
    }, svg('title', {}, bar.title)));
    if (index % labelEvery === 0) {
      chart.append(svg('text', { x: x + slot / 2, y: height - 6, 'text-anchor': 'middle', class: 'bar-label' }, bar.label));
    }
  });
  return chart;
}

/** `host`: `api`, `ctx()`, `toast(message, kind)`, `errorMessage(error)`, `storeId()`. */
export function createSales(container, host) {
  const tab = { report: null, from: '', to: '', loading: false, timer: null, form: null, formLang: null };
  container.addEventListener('submit', onSubmit);
  container.addEventListener('click', onClick);

  async function load(from, to) {
    tab.loading = true;
    try {
      const report = await host.api.sales(from, to);
      tab.report = report;
      tab.from = report.from;
      tab.to = report.to;
      render();
    } catch (error) {
      if (error.status !== 401) host.toast(host.errorMessage(error), 'error');
    } finally {
      tab.loading = false;
    }
  }

  /** After orders change: once, a few seconds later, and not over a load in flight (a burst is one read). */
  function refreshSoon() {
    if (!tab.report || tab.timer) return;
    tab.timer = setTimeout(() => {
      tab.timer = null;
      if (!tab.loading) load(tab.from, tab.to);
    }, 3000);
  }

  /** Today, in the store's time zone: the server's default range. */
  function loadToday() {
    return load('', '').catch(() => {});
  }

  function onSubmit(event) {
    event.preventDefault();
    const form = event.target.closest('form');
    load(form.querySelector('[name=from]').value, form.querySelector('[name=to]').value);
  }

  async function onClick(event) {
    const button = event.target.closest('button[data-action]');
    if (!button) return;
    if (button.dataset.action === 'sales-today') loadToday();
    else if (button.dataset.action === 'sales-week' && tab.to) {
      const to = new Date(`${tab.to}T00:00:00Z`);
      const from = new Date(to.getTime() - 6 * 86400000).toISOString().slice(0, 10);
      load(from, tab.to);
    } else if (button.dataset.action === 'csv') {
      try {
        const blob = await host.api.salesCsv(tab.from, tab.to, button.dataset.by);
        const link = el('a', { href: URL.createObjectURL(blob), download: `sales-${host.storeId()}-${tab.from}-${tab.to}-${button.dataset.by}.csv` });
        document.body.append(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(link.href), 10000);
      } catch (error) {
        host.toast(host.errorMessage(error), 'error');
      }
    }
  }

  /** The form stays in place (a focused date keeps its focus); what follows it is drawn again. */
  function show(form, ...results) {
    if (container.firstElementChild !== form) container.replaceChildren(form, el('div', { class: 'sales-results' }));
    container.lastElementChild.replaceChildren(...results);
  }

  /** The range form, drawn again only for another language, so a date being typed is never wiped. */
  function rangeForm(ctx) {
    if (tab.form && tab.formLang === ctx.lang) {
      for (const name of ['from', 'to']) {
        const input = tab.form.querySelector(`[name=${name}]`);
        if (document.activeElement !== input) input.value = tab[name];
      }
      return tab.form;
    }
    tab.formLang = ctx.lang;
    tab.form = el('form', { class: 'sales-range', 'data-testid': 'sales-range' },
      el('label', {}, el('span', {}, ctx.t('history.from')), el('input', { type: 'date', name: 'from', value: tab.from, 'data-testid': 'sales-from' })),
      el('label', {}, el('span', {}, ctx.t('history.to')), el('input', { type: 'date', name: 'to', value: tab.to, 'data-testid': 'sales-to' })),
      el('button', { type: 'submit', class: 'button primary', 'data-testid': 'sales-load' }, ctx.t('history.load')),
      el('button', { type: 'button', class: 'button ghost', 'data-action': 'sales-today' }, ctx.t('sales.today')),
      el('button', { type: 'button', class: 'button ghost', 'data-action': 'sales-week' }, ctx.t('sales.week')));
    return tab.form;
  }

  function render() {
    const ctx = host.ctx();
    const report = tab.report;
    const form = rangeForm(ctx);
    if (!report) {
      show(form, el('p', { class: 'muted' }, ctx.t('history.loading')));
      return;
    }
    const money = (amount) => formatMoney(amount, ctx.lang);
    const totals = el('div', { class: 'sales-totals', 'data-testid': 'sales-totals' },
      [['sales.revenue', money(report.totals.revenue), 'sales-revenue'], ['sales.orders', report.totals.orders, 'sales-orders'],
        ['sales.cancelled', report.totals.cancelled_orders, 'sales-cancelled'], ['sales.rejected', report.totals.rejected_orders, 'sales-rejected']]
        .map(([key, figure, testid]) => el('p', { class: 'sales-total' }, el('span', { class: 'muted' }, ctx.t(key)), el('strong', { 'data-testid': testid }, String(figure)))));
    const days = barChart(report.days.map((day) => ({
      label: day.date.slice(5), value: day.revenue, title: `${day.date}: ${money(day.revenue)} · ${ctx.t('sales.ordersN', { n: day.orders })}`,
    })), { name: ctx.t('sales.byDay'), labelEvery: Math.ceil(report.days.length / 14) });
    const hours = barChart(report.hours.map((hour) => ({
      label: String(hour.hour), value: hour.revenue, title: `${hour.hour}:00: ${money(hour.revenue)} · ${ctx.t('sales.ordersN', { n: hour.orders })}`,
    })), { name: ctx.t('sales.byHour'), labelEvery: 2 });
    const items = el('table', { class: 'sales-items', 'data-testid': 'sales-items' },
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, ctx.t('sales.item')), el('th', { scope: 'col' }, ctx.t('sales.quantity')), el('th', { scope: 'col' }, ctx.t('sales.revenue')))),
      el('tbody', {}, report.items.map((item) => el('tr', { 'data-testid': 'sales-item' },
        el('td', {}, item.name), el('td', {}, String(item.quantity)), el('td', {}, money(item.revenue))))));
    const downloads = el('p', { class: 'sales-downloads' }, ['day', 'hour', 'item'].map((by) =>
      el('button', { type: 'button', class: 'button ghost small', 'data-action': 'csv', 'data-by': by, 'data-testid': `csv-${by}` }, ctx.t(`sales.csv.${by}`))));
    show(form,
      el('p', { class: 'muted' }, ctx.t('sales.range', { from: report.from, to: report.to, zone: report.timezone })),
      totals,
      el('h3', {}, ctx.t('sales.byDay')), days,
      el('h3', {}, ctx.t('sales.byHour')), hours,
      el('h3', {}, ctx.t('sales.byItem')), items, downloads);
  }

  return {
    loadToday, render, refreshSoon, get loaded() { return tab.report != null; },
    reload: () => (tab.report ? load(tab.from, tab.to) : loadToday()),
  };
}
