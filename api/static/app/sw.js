// The service worker: the report page opens with no signal. It keeps the app shell (the page,
// its scripts, styles and map library), the category list and the city's ward map in a cache
// named for this version of the files (the server fills in __VERSION__), so a new version
// replaces the old at its next visit. Pages are fetched from the network first and fall back
// to the cache; files under /static are served from the cache first. POSTs are never cached:
// the page keeps unsent complaints in IndexedDB itself.

const VERSION = "__VERSION__";
const CACHE = `civicops-${VERSION}`;
const city = new URL(self.location.href).searchParams.get("city") || "";
const SHELL = [
  "/report",
  "/static/app/app.css",
  "/static/app/report.js",
  "/static/app/outbox.js",
  "/static/app/format.js",
  "/static/app/track.js",
  "/static/app/points.js",
  "/static/vendor/leaflet/leaflet.js",
  "/static/vendor/leaflet/leaflet.css",
  "/static/vendor/leaflet/images/marker-icon.png",
  "/static/vendor/leaflet/images/marker-icon-2x.png",
  "/static/vendor/leaflet/images/marker-shadow.png",
  "/v1/categories",
  ...(city ? [`/v1/zones?city=${encodeURIComponent(city)}`] : []),
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith("civicops-") && n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

async function networkFirst(request, fallback) {
  const cache = await caches.open(CACHE);
  try {
    const answer = await fetch(request);
    if (answer.ok) cache.put(request, answer.clone());
    return answer;
  } catch (error) {
    const kept = (await cache.match(request)) || (await cache.match(request, { ignoreSearch: true }));
    if (kept) return kept;
    if (fallback) {
      const shell = await cache.match(fallback, { ignoreSearch: true });
      if (shell) return shell;
    }
    throw error;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(request);
  if (kept) return kept;
  const answer = await fetch(request);
  if (answer.ok) cache.put(request, answer.clone());
  return answer;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    const mine = url.pathname === "/report" || url.pathname.startsWith("/track/");
    if (mine) event.respondWith(networkFirst(request, "/report"));
    return;
  }
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(cacheFirst(request));
  } else if (url.pathname === "/v1/zones" || url.pathname === "/v1/categories") {
    event.respondWith(networkFirst(request, null));
  }
});
