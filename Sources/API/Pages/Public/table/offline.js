// The tablet's service worker: keeps the page's own files, so a tablet that reloads while the
// restaurant's Wi-Fi is away still shows its menu, its cart and the order waiting to be sent (the
// page keeps those in localStorage). Files come from the network first, so staff always get the
// current page when it is there; the API is never cached here.
//
// Served at /tablet-offline.js (a worker's scope can only be at or under its own folder, and the
// page is /table, outside /table/); registered with scope /table.

const CACHE = 'tableorder-tablet';
/** Every file the tablet page loads (the asset test checks this against what the page imports). */
const SHELL = [
  '/table', '/table/tablet.css', '/table/tablet.js', '/table/menu.js', '/table/cart.js', '/table/orders.js',
  '/table/view.js', '/table/i18n.js', '/shared/base.css', '/shared/http.js', '/shared/stream.js', '/shared/i18n.js',
  '/shared/dom.js',
];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin || !SHELL.includes(url.pathname)) return;
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(url.pathname, copy));
        }
        return response;
      })
      .catch(() => caches.match(url.pathname).then((cached) => cached || Response.error())),
  );
});
