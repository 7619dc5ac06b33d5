// The tablet's menu as plain data (no DOM): the listing of `GET /api/stores/{id}/menus` shown in the
// diner's language, and the rules of an item's option groups (contract v1.1 §5–6), checked here so the
// diner sees at once what the server would refuse.

/** A menu, category, group or option's name (and description) in `lang`, else its own. */
export function localized(thing, lang) {
  const translation = (thing.translations || {})[lang] || {};
  return { name: translation.name || thing.name, description: translation.description || thing.description || '' };
}

/** Categories by `sort_order` with their menus by `sort_order`; empty categories left out. */
export function menuSections(listing) {
  const bySort = (a, b) => (a.sort_order ?? 0) - (b.sort_order ?? 0) || String(a.name).localeCompare(String(b.name));
  const categories = [...(listing.categories || [])].sort(bySort);
  const menus = [...(listing.menus || [])].sort(bySort);
  return categories
    .map((category) => ({ category, menus: menus.filter((menu) => menu.category_id === category.id) }))
    .filter((section) => section.menus.length > 0);
}

export function findMenu(listing, menuId) {
  return (listing.menus || []).find((menu) => menu.id === menuId) || null;
}

/** The menu's groups by `sort_order`, each with its options in the menu's order. */
export function optionGroups(menu) {
  return [...(menu.option_groups || [])].sort((a, b) => (a.sort_order ?? 0) - (b.sort_order ?? 0));
}

/** A first choice: nothing chosen (every group of the demo menu starts that way; a required one must be picked). */
export function emptyChoice() {
  return new Set();
}

/**
 * Toggles `optionId` in `chosen` under its group's rules: a group of one (`max_select` 1) works like radio
 * buttons; a fuller group refuses an option past its `max_select`. Returns the new set.
 */
export function toggleOption(menu, chosen, groupId, optionId) {
  const group = optionGroups(menu).find((candidate) => candidate.id === groupId);
  if (!group) return chosen;
  const option = group.options.find((candidate) => candidate.id === optionId);
  if (!option || option.is_available === false) return chosen;
  const next = new Set(chosen);
  if (next.has(optionId)) {
    next.delete(optionId);
    return next;
  }
  const inGroup = group.options.filter((candidate) => next.has(candidate.id));
  if (group.max_select === 1) for (const other of inGroup) next.delete(other.id);
  else if (inGroup.length >= group.max_select) return chosen;
  next.add(optionId);
  return next;
}

/** What is wrong with a choice, group by group: `[{ group, problem: 'min' | 'max' | 'unavailable' }]`. */
export function choiceProblems(menu, chosen) {
  const problems = [];
  for (const group of optionGroups(menu)) {
    const picked = group.options.filter((option) => chosen.has(option.id));
    if (picked.some((option) => option.is_available === false)) problems.push({ group, problem: 'unavailable' });
    else if (picked.length < group.min_select) problems.push({ group, problem: 'min' });
    else if (picked.length > group.max_select) problems.push({ group, problem: 'max' });
  }
  return problems;
}

/** The price of one portion with these options: the menu's price plus the chosen deltas (as the server prices it). */
export function unitPrice(menu, chosen) {
  let price = menu.price;
  for (const group of optionGroups(menu)) {
    for (const option of group.options) if (chosen.has(option.id)) price += option.price_delta;
  }
  return price;
}

/** The chosen options in the menu's order (the order the server stores them in). */
export function chosenInOrder(menu, chosen) {
  const ids = [];
  for (const group of optionGroups(menu)) for (const option of group.options) if (chosen.has(option.id)) ids.push(option.id);
  return ids;
}

/** Whether the diner can add the menu now: on the menu, switched on, not sold out. */
export function orderable(menu) {
  return Boolean(menu) && menu.is_available !== false && menu.stock !== 0;
}
