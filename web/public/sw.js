/*
 * The installable app's service worker: it caches the shell (index.html, the hashed assets,
 * the icons) so the app opens without a network, and never answers API requests from a cache:
 * /api, /docs, /openapi.json and the health endpoints always go to the network (money and
 * personal data are never served stale).
 */
const SHELL = 'finplat-shell-v1'
const PRECACHE = ['/', '/manifest.webmanifest', '/favicon.svg', '/icon-192.png', '/icon-512.png']
const NETWORK_ONLY = [/^\/api\//, /^\/docs/, /^\/redoc/, /^\/openapi\.json$/, /^\/healthz$/, /^\/readyz$/, /^\/metrics$/]

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting()))
})

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((name) => name !== SHELL).map((name) => caches.delete(name))))
    .then(() => self.clients.claim()))
})

self.addEventListener('fetch', (event) => {
  const request = event.request
  const url = new URL(request.url)
  if (request.method !== 'GET' || url.origin !== self.location.origin) return
  if (NETWORK_ONLY.some((pattern) => pattern.test(url.pathname))) return // network only
  if (request.mode === 'navigate') {
    // The page itself: the network first (a new release shows at once), the shell offline.
    event.respondWith(fetch(request).then((response) => {
      const copy = response.clone()
      if (response.ok) void caches.open(SHELL).then((cache) => cache.put('/', copy))
      return response
    }).catch(() => caches.match('/')))
    return
  }
  if (url.pathname.startsWith('/assets/')) {
    // Hashed, immutable files: the cache first, filled as they are used.
    event.respondWith(caches.match(request).then((cached) => cached ?? fetch(request).then((response) => {
      const copy = response.clone()
      if (response.ok) void caches.open(SHELL).then((cache) => cache.put(request, copy))
      return response
    })))
  }
})
