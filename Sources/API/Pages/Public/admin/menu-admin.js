// The board's menu tab: categories and menus as the tablets see them, the one-tap sold-out switch and the
// restock staff use most during service, and a form for a menu's name, price, picture, translations and
// option groups. Writes are commands (202); what they change comes back as `menu_changed` on the stream,
// which reloads the listing here.

import { el } from '../shared/dom.js';
import { formatMoney } from '../shared/i18n.js';
import { randomKey } from '../shared/http.js';

/** 32-bit FNV-1a of a text, in hex: enough to tell two bodies of one form apart. */
function fingerprint(text) {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16);
}

const bySort = (a, b) => (a.sort_order ?? 0) - (b.sort_order ?? 0) || String(a.name).localeCompare(String(b.name));

/**
 * `host` gives what the tab needs of the page: `api`, `storeId()`, `ctx()` (language and labels),
 * `toast(message, kind)`, `errorMessage(error)` and `confirm(question, label)`.
 */
export function createMenuAdmin(container, host) {
  const tab = { listing: null, loading: null, busy: new Set() };

  container.addEventListener('click', onClick);
  container.addEventListener('submit', (event) => event.preventDefault());

  async function reload() {
    if (tab.loading) return tab.loading;
    tab.loading = host.api.menu(host.storeId())
      .then((listing) => {
        tab.listing = listing;
        render();
      })
      .catch((error) => host.toast(host.errorMessage(error), 'error'))
      .finally(() => { tab.loading = null; });
    return tab.loading;
  }

  function render() {
    const ctx = host.ctx();
    if (!tab.listing) {
      container.replaceChildren(el('p', { class: 'muted' }, ctx.t('history.loading')));
      return;
    }
    const categories = [...tab.listing.categories].sort(bySort);
    const menus = [...tab.listing.menus].sort(bySort);
    container.replaceChildren(
      el('div', { class: 'menu-toolbar' },
        el('button', { type: 'button', class: 'button primary', 'data-action': 'new-menu', 'data-testid': 'new-menu' }, ctx.t('menuAdmin.newMenu')),
        el('button', { type: 'button', class: 'button ghost', 'data-action': 'new-category', 'data-testid': 'new-category' }, ctx.t('menuAdmin.newCategory'))),
      ...categories.map((category) => categorySection(category, menus.filter((m) => m.category_id === category.id), ctx)));
  }

  function categorySection(category, menus, ctx) {
    const english = (category.translations || {}).en;
    return el('section', { class: 'menu-category', 'data-testid': 'menu-category', 'data-category-id': category.id },
      el('header', { class: 'menu-category-head' },
        el('h3', {}, category.name, english ? el('span', { class: 'muted' }, ` · ${english.name}`) : null),
        el('button', { type: 'button', class: 'button ghost small', 'data-action': 'edit-category', 'data-category-id': category.id,
          'aria-label': ctx.t('menuAdmin.editCategoryLabel', { name: category.name }) }, ctx.t('menuAdmin.edit')),
        el('button', { type: 'button', class: 'button ghost danger small', 'data-action': 'delete-category', 'data-category-id': category.id,
          'aria-label': ctx.t('menuAdmin.deleteLabel', { name: category.name }) }, ctx.t('delete'))),
      menus.length
        ? el('ul', { class: 'menu-rows' }, menus.map((menu) => menuRow(menu, ctx)))
        : el('p', { class: 'muted' }, ctx.t('menuAdmin.emptyCategory')));
  }

  function menuRow(menu, ctx) {
    const busy = tab.busy.has(menu.id);
    const soldOut = !menu.is_available;
    return el('li', { class: `menu-row${soldOut ? ' is-off' : ''}`, 'data-testid': 'menu-row', 'data-menu-id': menu.id, 'data-available': String(menu.is_available) },
      el('span', { class: 'menu-row-name' }, menu.name,
        (menu.option_groups || []).length ? el('span', { class: 'muted' }, ` · ${ctx.t('menuAdmin.groups', { n: menu.option_groups.length })}`) : null),
      el('span', { class: 'menu-row-price' }, formatMoney(menu.price, ctx.lang)),
      el('button', {
        type: 'button', class: `button ${soldOut ? 'danger-solid' : 'ghost'} availability`, 'data-action': 'toggle-available',
        'data-menu-id': menu.id, 'data-testid': 'toggle-available', 'aria-pressed': soldOut ? 'true' : 'false', disabled: busy,
        'aria-label': ctx.t(soldOut ? 'menuAdmin.switchOnLabel' : 'menuAdmin.switchOffLabel', { name: menu.name }),
      }, ctx.t(soldOut ? 'menuAdmin.soldOut' : 'menuAdmin.onSale')),
      el('form', { class: 'restock', 'data-menu-id': menu.id },
        el('label', { class: 'visually-hidden', for: `stock-${menu.id}` }, ctx.t('menuAdmin.stockLabel', { name: menu.name })),
        el('input', { id: `stock-${menu.id}`, type: 'number', min: '0', max: '1000000', inputmode: 'numeric',
          placeholder: ctx.t('menuAdmin.notCounted'), value: menu.stock ?? '', 'data-testid': 'stock-input' }),
        el('button', { type: 'button', class: 'button ghost small', 'data-action': 'restock', 'data-menu-id': menu.id,
          'data-testid': 'restock', disabled: busy }, ctx.t('menuAdmin.setStock'))),
      el('button', { type: 'button', class: 'button ghost small', 'data-action': 'edit-menu', 'data-menu-id': menu.id,
        'data-testid': 'edit-menu', 'aria-label': ctx.t('menuAdmin.editLabel', { name: menu.name }) }, ctx.t('menuAdmin.edit')),
      el('button', { type: 'button', class: 'button ghost danger small', 'data-action': 'delete-menu', 'data-menu-id': menu.id,
        'aria-label': ctx.t('menuAdmin.deleteLabel', { name: menu.name }) }, ctx.t('delete')));
  }

  function find(kind, id) {
    return (tab.listing[kind] || []).find((item) => item.id === id);
  }

  async function onClick(event) {
    const button = event.target.closest('button[data-action]');
    if (!button || button.disabled) return;
    const { action, menuId, categoryId } = button.dataset;
    const ctx = host.ctx();
    if (action === 'toggle-available') {
      const menu = find('menus', menuId);
      if (!menu.is_available && menu.stock === 0) {
        // Switched on with nothing left, it would still refuse every order: staff restock it instead.
        host.toast(ctx.t('menuAdmin.stockFirst'), 'error');
        container.querySelector(`#stock-${CSS.escape(menuId)}`).focus();
        return;
      }
      await write(menuId, () => host.api.setAvailability(menuId, { is_available: !menu.is_available }, randomKey('availability')));
    } else if (action === 'restock') {
      const input = container.querySelector(`#stock-${CSS.escape(menuId)}`);
      const stock = input.value.trim() === '' ? null : Number(input.value);
      if (stock !== null && !(Number.isInteger(stock) && stock >= 0 && stock <= 1000000)) {
        host.toast(ctx.t('error.VALIDATION_ERROR'), 'error');
        return;
      }
      // A restock above zero also switches the menu on: that is what staff mean by it during service.
      const body = stock && stock > 0 ? { stock, is_available: true } : { stock };
      await write(menuId, () => host.api.setAvailability(menuId, body, randomKey('stock')));
    } else if (action === 'edit-menu') openMenuForm(find('menus', menuId));
    else if (action === 'new-menu') openMenuForm(null);
    else if (action === 'delete-menu') {
      const menu = find('menus', menuId);
      if (await host.confirm(ctx.t('menuAdmin.confirmDelete', { name: menu.name }), ctx.t('delete'))) {
        await write(menuId, () => host.api.deleteMenu(menuId, randomKey('delete-menu')));
      }
    } else if (action === 'edit-category') openCategoryForm(find('categories', categoryId));
    else if (action === 'new-category') openCategoryForm(null);
    else if (action === 'delete-category') {
      const category = find('categories', categoryId);
      if (await host.confirm(ctx.t('menuAdmin.confirmDelete', { name: category.name }), ctx.t('delete'))) {
        await write(categoryId, () => host.api.deleteCategory(categoryId, randomKey('delete-category')));
      }
    }
  }

  /** Runs one write with its row's buttons disabled until the stream's `menu_changed` redraws it (or 10 s). */
  async function write(id, request) {
    tab.busy.add(id);
    render();
    try {
      await request();
      host.toast(host.ctx().t('menuAdmin.sent'));
      setTimeout(() => { if (tab.busy.delete(id)) render(); }, 10000);
    } catch (error) {
      tab.busy.delete(id);
      render();
      if (error.status !== 401) host.toast(host.errorMessage(error), 'error');
    }
  }

  // ---- the forms (one dialog, built for each use) ------------------------------------------------------

  function dialog(title, body, onSave) {
    const ctx = host.ctx();
    const problem = el('p', { class: 'form-error', role: 'alert', 'data-testid': 'form-error' });
    const save = el('button', { type: 'submit', class: 'button primary', 'data-testid': 'form-save' }, ctx.t('menuAdmin.save'));
    const cancel = el('button', { type: 'button', class: 'button ghost' }, ctx.t('back'));
    const form = el('form', { class: 'admin-form', novalidate: true }, el('h2', {}, title), body, problem,
      el('div', { class: 'dialog-actions' }, cancel, save));
    const node = el('dialog', { class: 'dialog dialog-wide', 'data-testid': 'menu-form' }, form);
    // One key per body: a retry of the same save is the same command, an edited one a new command.
    const base = randomKey('menu-form');
    const keyFor = (body) => `${base}-${fingerprint(JSON.stringify(body))}`;
    cancel.addEventListener('click', () => node.close());
    node.addEventListener('close', () => node.remove());
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      problem.textContent = '';
      save.disabled = true;
      try {
        await onSave(form, keyFor);
        host.toast(host.ctx().t('menuAdmin.sent'));
        node.close();
      } catch (error) {
        problem.textContent = error.status ? host.errorMessage(error) : String(error.message || error);
      } finally {
        save.disabled = false;
      }
    });
    document.body.append(node);
    node.showModal();
  }

  function field(label, attributes) {
    const id = `f-${Math.random().toString(36).slice(2)}`;
    const input = el(attributes.tag || 'input', { id, ...attributes, tag: null });
    if (attributes.tag === 'textarea' && attributes.value) input.value = attributes.value;
    return el('label', { class: 'field', for: id }, el('span', {}, label), input);
  }

  const value = (form, name) => form.querySelector(`[name="${name}"]`).value.trim();

  function translationsFrom(form, prefix, withDescription) {
    const name = value(form, `${prefix}en_name`);
    if (!name) return {};
    const english = { name };
    if (withDescription && value(form, `${prefix}en_description`)) english.description = value(form, `${prefix}en_description`);
    return { en: english };
  }

  function openCategoryForm(category) {
    const ctx = host.ctx();
    const english = ((category && category.translations) || {}).en || {};
    dialog(ctx.t(category ? 'menuAdmin.editCategory' : 'menuAdmin.newCategory'), el('div', { class: 'form-grid' },
      field(ctx.t('menuAdmin.name'), { name: 'name', required: true, maxlength: '100', value: category ? category.name : '', 'data-testid': 'form-name' }),
      field(ctx.t('menuAdmin.englishName'), { name: 'en_name', maxlength: '100', value: english.name || '' }),
      field(ctx.t('menuAdmin.sortOrder'), { name: 'sort_order', type: 'number', value: category ? category.sort_order : 0 })),
    async (form, keyFor) => {
      const body = { name: value(form, 'name'), sort_order: Number(value(form, 'sort_order')) || 0, translations: translationsFrom(form, '', false) };
      if (category) await host.api.updateCategory(category.id, body, keyFor(body));
      else await host.api.createCategory(body, keyFor(body));
    });
  }

  function openMenuForm(menu) {
    const ctx = host.ctx();
    const english = ((menu && menu.translations) || {}).en || {};
    const categories = [...tab.listing.categories].sort(bySort);
    const groups = el('div', { class: 'groups', 'data-testid': 'form-groups' });
    for (const group of (menu && menu.option_groups) || []) groups.append(groupEditor(group, ctx));
    const addGroup = el('button', { type: 'button', class: 'button ghost small', 'data-testid': 'add-group' }, ctx.t('menuAdmin.addGroup'));
    addGroup.addEventListener('click', () => groups.append(groupEditor(null, ctx)));
    const category = el('select', { name: 'category_id', 'data-testid': 'form-category' },
      categories.map((c) => el('option', { value: c.id, selected: menu ? menu.category_id === c.id : false }, c.name)));
    dialog(ctx.t(menu ? 'menuAdmin.editMenu' : 'menuAdmin.newMenu'), el('div', { class: 'form-grid' },
      el('label', { class: 'field' }, el('span', {}, ctx.t('menuAdmin.category')), category),
      field(ctx.t('menuAdmin.name'), { name: 'name', required: true, maxlength: '100', value: menu ? menu.name : '', 'data-testid': 'form-name' }),
      field(ctx.t('menuAdmin.price'), { name: 'price', type: 'number', min: '0', max: '10000000', required: true, value: menu ? menu.price : '', 'data-testid': 'form-price' }),
      field(ctx.t('menuAdmin.description'), { tag: 'textarea', name: 'description', maxlength: '1000', rows: '2', value: menu ? menu.description || '' : '' }),
      field(ctx.t('menuAdmin.image'), { name: 'image_url', type: 'url', maxlength: '2048', placeholder: 'https://…', value: menu ? menu.image_url || '' : '' }),
      field(ctx.t('menuAdmin.englishName'), { name: 'en_name', maxlength: '100', value: english.name || '', 'data-testid': 'form-en-name' }),
      field(ctx.t('menuAdmin.englishDescription'), { tag: 'textarea', name: 'en_description', maxlength: '1000', rows: '2', value: english.description || '' }),
      field(ctx.t('menuAdmin.sortOrder'), { name: 'sort_order', type: 'number', value: menu ? menu.sort_order : 0 }),
      el('fieldset', { class: 'groups-field' }, el('legend', {}, ctx.t('menuAdmin.optionGroups')), groups, addGroup)),
    async (form, keyFor) => {
      const price = value(form, 'price') === '' ? NaN : Number(value(form, 'price'));
      if (!value(form, 'name') || !Number.isInteger(price) || price < 0) throw new Error(ctx.t('error.VALIDATION_ERROR'));
      const body = {
        category_id: category.value, name: value(form, 'name'), price, description: value(form, 'description'),
        image_url: value(form, 'image_url'), sort_order: Number(value(form, 'sort_order')) || 0,
        translations: translationsFrom(form, '', true), option_groups: [...groups.children].map(readGroup),
      };
      if (menu) await host.api.updateMenu(menu.id, body, keyFor(body));
      else await host.api.createMenu(body, keyFor(body));
    });
  }

  /** One option group in the form; its id, when it has one, is kept so orders' choices keep pointing at it. */
  function groupEditor(group, ctx) {
    const options = el('ul', { class: 'option-rows' });
    const addOption = () => options.append(optionEditor(null, ctx));
    for (const option of (group && group.options) || []) options.append(optionEditor(option, ctx));
    if (!group) addOption();
    const add = el('button', { type: 'button', class: 'button ghost small' }, ctx.t('menuAdmin.addOption'));
    add.addEventListener('click', addOption);
    const remove = el('button', { type: 'button', class: 'button ghost danger small' }, ctx.t('delete'));
    const node = el('div', { class: 'group-editor', 'data-group-id': group ? group.id : '', 'data-testid': 'group-editor' },
      el('div', { class: 'group-head' },
        el('input', { 'data-field': 'name', maxlength: '50', value: group ? group.name : '', 'aria-label': ctx.t('menuAdmin.groupName'), placeholder: ctx.t('menuAdmin.groupName') }),
        el('input', { 'data-field': 'en', maxlength: '50', value: ((group && group.translations) || {}).en?.name || '', 'aria-label': ctx.t('menuAdmin.englishName'), placeholder: ctx.t('menuAdmin.englishName') }),
        el('label', {}, ctx.t('menuAdmin.min'), el('input', { 'data-field': 'min', type: 'number', min: '0', max: '20', value: group ? group.min_select : 0 })),
        el('label', {}, ctx.t('menuAdmin.max'), el('input', { 'data-field': 'max', type: 'number', min: '1', max: '20', value: group ? group.max_select : 1 })),
        remove),
      options, add);
    remove.addEventListener('click', () => node.remove());
    return node;
  }

  function optionEditor(option, ctx) {
    const remove = el('button', { type: 'button', class: 'button ghost danger small', 'aria-label': ctx.t('delete') }, '×');
    const node = el('li', { class: 'option-row', 'data-option-id': option ? option.id : '' },
      el('input', { 'data-field': 'name', maxlength: '50', value: option ? option.name : '', 'aria-label': ctx.t('menuAdmin.optionName'), placeholder: ctx.t('menuAdmin.optionName') }),
      el('input', { 'data-field': 'en', maxlength: '50', value: ((option && option.translations) || {}).en?.name || '', 'aria-label': ctx.t('menuAdmin.englishName'), placeholder: ctx.t('menuAdmin.englishName') }),
      el('input', { 'data-field': 'delta', type: 'number', min: '-1000000', max: '1000000', value: option ? option.price_delta : 0, 'aria-label': ctx.t('menuAdmin.priceDelta') }),
      el('label', {}, el('input', { 'data-field': 'available', type: 'checkbox', checked: option ? option.is_available !== false : true }), ctx.t('menuAdmin.available')),
      remove);
    remove.addEventListener('click', () => node.remove());
    return node;
  }

  function readGroup(node) {
    const get = (root, name) => root.querySelector(`[data-field="${name}"]`);
    const english = get(node, 'en').value.trim();
    const group = {
      name: get(node, 'name').value.trim(), min_select: Number(get(node, 'min').value) || 0,
      max_select: Number(get(node, 'max').value) || 1, translations: english ? { en: { name: english } } : {},
      options: [...node.querySelectorAll('.option-row')].map((row) => {
        const optionEnglish = get(row, 'en').value.trim();
        const option = {
          name: get(row, 'name').value.trim(), price_delta: Number(get(row, 'delta').value) || 0,
          is_available: get(row, 'available').checked, translations: optionEnglish ? { en: { name: optionEnglish } } : {},
        };
        if (row.dataset.optionId) option.id = row.dataset.optionId;
        return option;
      }),
    };
    if (node.dataset.groupId) group.id = node.dataset.groupId;
    return group;
  }

  return { reload, render, get loaded() { return tab.listing != null; }, settle(menuId) { if (tab.busy.delete(menuId)) render(); } };
}
