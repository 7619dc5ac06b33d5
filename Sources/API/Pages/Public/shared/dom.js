// Building DOM from data: text always goes in as text nodes, never as HTML.

/** `el('p', { class: 'x', 'data-testid': 'y' }, 'text', child)`; `false`/`null` attributes are left out. */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value == null || value === false) continue;
    node.setAttribute(name, value === true ? '' : String(value));
  }
  node.append(...children.flat().filter((child) => child != null && child !== false));
  return node;
}
