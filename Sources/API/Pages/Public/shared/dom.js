// Building DOM from data: text always goes in as text nodes, never as HTML.

/** Every element with an id, by its id in camel case (`login-form` → `loginForm`), into `dom`. */
export function collectElements(dom, root = document) {
  for (const node of root.querySelectorAll('[id]')) dom[node.id.replace(/-(\w)/g, (_, c) => c.toUpperCase())] = node;
}

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
