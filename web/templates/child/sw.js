// The service worker of the child's pages (scope /child), made by the server with this version's files.
//
// It keeps the app shell only: the versioned styles, scripts and icons every child page loads, and a
// page saying "you're offline" with nothing personal on it. Pages, /api/ answers, the chat's traffic
// and messages always go to the network and are never kept: a shared phone holds nothing private here.
'use strict';
const CACHE = {{ cache | tojson }};
const SHELL = {{ shell | tojson }};
const OFFLINE = {{ offline | tojson }};
const ICON = {{ icon | tojson }};
const NEW_MESSAGE = {{ words | tojson }};
const KEPT = new Set(SHELL);

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === 'navigate') {
    // A page comes from the network; only when there is none, the offline page (never a kept copy of a page).
    event.respondWith(fetch(request).catch(() => caches.match(OFFLINE).then((hit) => hit || Response.error())));
    return;
  }
  // Anything not in the shell (/api/, /socket.io/, every other address) is left to the network.
  if (!KEPT.has(url.pathname + url.search)) return;
  event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
});

// "You have a new message", and nothing else: the words come from the server in the child's language.
self.addEventListener('push', (event) => {
  const words = (event.data && event.data.text()) || NEW_MESSAGE;
  event.waitUntil(Promise.all([
    self.registration.showNotification(words, { tag: 'new-message', icon: ICON, badge: ICON }),
    self.clients.matchAll({ type: 'window' })
      .then((pages) => pages.forEach((page) => page.postMessage({ type: 'new-message' }))),
  ]));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((pages) => {
    const chat = pages.find((page) => new URL(page.url).pathname === '/child');
    return chat ? chat.focus() : self.clients.openWindow('/child');
  }));
});

// Quick exit: forget everything kept here and stop serving these pages.
self.addEventListener('message', (event) => {
  if (!event.data || event.data.type !== 'forget') return;
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.map((name) => caches.delete(name))))
    .then(() => self.registration.unregister()));
});
