// Abri's service worker for the handover page offline. It keeps no page but the handover pages
// the officer prepared (cached by the page itself, per user) and the few files they need; it
// answers from them only when the network fails. At logout it wipes the households prepared
// and the pages cached; handovers still waiting to be sent stay, for the same login to send.
"use strict";
var SHELL = {{ shell|safe }};
var LOGOUT = "{{ logout }}";
var HANDOVER = /^\/distributions\/[^/]+\/handover\/$/;

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

function wipe() {
  var pages = caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) { return key.indexOf("abri-shell-") === 0; })
      .map(function (key) { return caches.delete(key); }));
  });
  var data = (indexedDB.databases ? indexedDB.databases() : Promise.resolve([])).then(function (list) {
    return Promise.all(list.filter(function (info) { return info.name && info.name.indexOf("abri-offline-") === 0; })
      .map(function (info) {
        return new Promise(function (done) {
          var request = indexedDB.open(info.name);
          request.onsuccess = function () {
            var db = request.result;
            if (!db.objectStoreNames.contains("entitlements")) { db.close(); done(); return; }
            var tx = db.transaction(["entitlements", "prep"], "readwrite");
            tx.objectStore("entitlements").clear();
            tx.objectStore("prep").clear();
            tx.oncomplete = tx.onerror = function () { db.close(); done(); };
          };
          request.onerror = function () { done(); };
        });
      }));
  });
  return Promise.all([pages, data]);
}

function cached(request) {
  return caches.match(request, { ignoreSearch: true }).then(function (found) {
    return found || Response.error();
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.method === "POST" && url.pathname === LOGOUT) {
    event.waitUntil(wipe());
    return;
  }
  if (request.method !== "GET") { return; }
  if ((request.mode === "navigate" && HANDOVER.test(url.pathname)) || SHELL.indexOf(url.pathname) >= 0) {
    event.respondWith(fetch(request).catch(function () { return cached(url.pathname); }));
  }
});
