// The handover page offline: prepare a distribution point (its entitlements in IndexedDB, the page
// in the service worker's cache), find and record handovers with no network, send them when the
// network is back, each with the idempotency key made here, and show what waits and what came back.
// Everything stored is per login (database "abri-offline-<user id>") and wiped at logout or when
// the preparation expires; handovers not yet sent are never wiped.
(function () {
  "use strict";
  var root = document.getElementById("offline");
  if (!root || !window.indexedDB || !window.fetch) { return; }
  root.hidden = false;
  var T = JSON.parse(document.getElementById("offline-text").textContent);
  var code = root.dataset.distribution;
  var user = root.dataset.user;
  var $ = function (id) { return document.getElementById(id); };
  var BATCH = 50;
  var ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  var CHECK = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  var db = null;
  var entitlements = [];  // of this distribution, as prepared
  var byToken = {};
  var prep = null;
  var syncing = false;
  var retryIn = 2000;
  var retryTimer = null;

  // --- IndexedDB, promised ---------------------------------------------------------------------
  function opened() {
    if (db) { return Promise.resolve(db); }
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open("abri-offline-" + user, 1);
      request.onupgradeneeded = function () {
        var d = request.result;
        d.createObjectStore("prep", { keyPath: "distribution" });
        d.createObjectStore("entitlements", { keyPath: "k" }).createIndex("c", "c");
        d.createObjectStore("queue", { keyPath: "seq", autoIncrement: true }).createIndex("c", "c");
        d.createObjectStore("meta", { keyPath: "k" });
      };
      request.onsuccess = function () { db = request.result; resolve(db); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function tx(stores, mode, work) {
    return opened().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction(stores, mode);
        var result = work(t);
        t.oncomplete = function () { resolve(result && typeof result === "object" && "value" in result ? result.value : result); };
        t.onerror = t.onabort = function () { reject(t.error); };
      });
    });
  }
  function all(store, index) {
    return tx([store], "readonly", function (t) {
      var out = { value: [] };
      var source = index ? t.objectStore(store).index("c").getAll(code) : t.objectStore(store).getAll();
      source.onsuccess = function () { out.value = source.result; };
      return out;
    });
  }
  function get(store, key) {
    return tx([store], "readonly", function (t) {
      var out = { value: undefined };
      var request = t.objectStore(store).get(key);
      request.onsuccess = function () { out.value = request.result; };
      return out;
    });
  }
  function put(store, value) { return tx([store], "readwrite", function (t) { t.objectStore(store).put(value); }); }

  // --- small helpers ---------------------------------------------------------------------------
  function plain(text) {
    return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  function normalised(text) {
    var token = (text || "").toUpperCase().replace(/[\s\-_.]/g, "").replace(/O/g, "0").replace(/[IL]/g, "1");
    if (token.length !== 10) { return null; }
    for (var i = 0; i < token.length; i++) { if (ALPHABET.indexOf(token[i]) < 0) { return null; } }
    return token;
  }
  function checks(token) {  // ISO 7064 MOD 37,36, as the server's tokens
    var check = 18;
    for (var i = 0; i < token.length; i++) {
      check = (((check || 36) * 2) % 37 + CHECK.indexOf(token[i])) % 36;
    }
    return check === 1;
  }
  function shown(token) { return token.slice(0, 5) + "-" + token.slice(5); }
  function when(iso) {
    if (!iso) { return "—"; }
    var d = new Date(iso);
    return d.toLocaleDateString() + " " + d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }
  function say(text, kind) {
    var box = $("offline-message");
    box.textContent = text;
    box.className = kind === "error" ? "errorbox" : "messages success";
    box.hidden = !text;
  }
  function key() {
    if (window.crypto && crypto.randomUUID) { return "off-" + crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return "off-" + Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function device() {
    return get("meta", "device").then(function (found) {
      if (found) { return found.v; }
      var name = key().slice(4, 16);
      return put("meta", { k: "device", v: name }).then(function () { return name; });
    });
  }

  // --- status ----------------------------------------------------------------------------------
  function status() {
    return Promise.all([all("queue", true), get("meta", "last-sync:" + code)]).then(function (found) {
      var queue = found[0];
      var waiting = queue.filter(function (item) { return item.state === "waiting"; }).length;
      $("net").textContent = navigator.onLine ? T.online : T.offline;
      $("net").className = navigator.onLine ? "badge ok" : "badge warn";
      $("pending").textContent = String(waiting);
      $("last-sync").textContent = found[1] ? when(found[1].v) : T.never;
      var point = $("offline-point");
      if (point && prep && prep.point) {
        Array.prototype.forEach.call(point.options, function (option) {
          if (option.text === prep.point) { point.value = option.value; }
        });
      }
      $("prepared").textContent = prep
        ? T.prepared.replace("%(count)s", String(entitlements.length)).replace("%(until)s", when(prep.expires_at))
          + (prep.point ? " · " + prep.point : "")
        : T.not_prepared;
      done(queue);
      return waiting;
    });
  }
  function done(queue) {
    var list = $("done-list");
    list.textContent = "";
    queue.slice().reverse().forEach(function (item) {
      var entitlement = byToken[item.token];
      var li = el("li", { "class": "state-" + item.state, "data-token": item.token });
      li.appendChild(el("span", { "class": "mono" }, shown(item.token)));
      li.appendChild(document.createTextNode(" · " + (entitlement ? entitlement.n + " · " + entitlement.h : item.n || "")
        + " · " + when(item.at) + " · "));
      li.appendChild(el("strong", { "class": "state" }, T.states[item.state]));
      if (item.message) { li.appendChild(el("p", { "class": "help" }, item.message)); }
      if (item.state === "refused") {
        var again = el("button", { type: "button", "class": "secondary" }, T.send_again);
        again.addEventListener("click", function () {
          item.state = "waiting";
          item.message = "";
          put("queue", item).then(status).then(sync);
        });
        li.appendChild(again);
      }
      list.appendChild(li);
    });
    var before = entitlements.filter(function (e) { return e.d && !e.here && (!prep.point || e.p === prep.point); });
    $("done-before").textContent = prep ? T.before.replace("%(count)s", String(before.length)) : "";
    $("local-done").hidden = !prep && !queue.length;
  }

  // --- prepare ---------------------------------------------------------------------------------
  function load() {
    return get("prep", code).then(function (found) {
      if (found && new Date(found.expires_at) < new Date()) {
        return forget().then(function () { say(T.expired, "error"); });
      }
      prep = found || null;
      if (!prep) { entitlements = []; byToken = {}; return; }
      return Promise.all([get("entitlements", code), all("queue", true)]).then(function (stored) {
        entitlements = stored[0] ? stored[0].rows : [];
        byToken = {};
        entitlements.forEach(function (row) { row.q = plain(row.h); byToken[row.t] = row; });
        stored[1].forEach(function (item) {  // handed over on this device: from the queue
          var row = byToken[item.token];
          if (row && item.state !== "refused") { row.d = item.at; row.here = true; }
        });
      });
    });
  }
  function forget() {  // the households prepared, not the handovers waiting
    prep = null;
    entitlements = [];
    byToken = {};
    return tx(["entitlements", "prep"], "readwrite", function (t) {
      t.objectStore("entitlements").clear();
      t.objectStore("prep").clear();
    }).then(function () {
      return window.caches ? caches.delete("abri-shell-" + user) : null;
    });
  }
  function prepare() {
    var point = $("offline-point");
    var url = root.dataset.prepareUrl + (point && point.value ? "?point=" + encodeURIComponent(point.value) : "");
    say(T.preparing);
    var started = Date.now();
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (answer) {
      if (!answer.ok) {
        return answer.json().catch(function () { return {}; }).then(function (body) {
          throw new Error(typeof body.detail === "string" ? body.detail : T.prepare_failed);
        });
      }
      return answer.json();
    }).then(function (data) {
      if (String(data.user) !== String(user)) { throw new Error(T.prepare_failed); }
      return tx(["entitlements", "prep"], "readwrite", function (t) {
        // One record for the whole point: thousands of rows stored at once, read back at once.
        t.objectStore("entitlements").put({ k: code, c: code, rows: data.entitlements });
        t.objectStore("prep").put({
          distribution: code, point: data.point, prepared_at: data.prepared_at, expires_at: data.expires_at
        });
      }).then(function () { return shell(); });
    }).then(load).then(function () {
      root.dataset.preparedIn = String(Date.now() - started);
      say(T.prepared.replace("%(count)s", String(entitlements.length)).replace("%(until)s", when(prep.expires_at)));
      return status();
    }).catch(function (error) { say(error.message || T.prepare_failed, "error"); });
  }
  function shell() {
    var files = JSON.parse(root.dataset.shell);
    var register = navigator.serviceWorker
      ? navigator.serviceWorker.register(root.dataset.sw, { scope: "/" }).then(function () { return navigator.serviceWorker.ready; })
      : Promise.resolve();
    return register.then(function () {
      if (!window.caches) { return null; }
      return caches.open("abri-shell-" + user).then(function (cache) {
        return cache.addAll([location.pathname].concat(files));
      });
    });
  }

  // --- find and record -------------------------------------------------------------------------
  function find(text) {
    var wanted = (text || "").trim();
    var results = $("local-results");
    results.textContent = "";
    if (!wanted) { return; }
    var token = normalised(wanted);
    var rows = [];
    if (token) {
      if (!checks(token)) {
        results.appendChild(el("p", { "class": "errorbox", role: "alert" }, T.mistyped.replace("%(token)s", wanted)));
        return;
      }
      rows = byToken[token] ? [byToken[token]] : [];
    }
    if (!rows.length) {
      var upper = wanted.toUpperCase();
      var name = plain(wanted);
      rows = entitlements.filter(function (row) {
        return row.n.toUpperCase() === upper || (name.length >= 2 && row.q.indexOf(name) >= 0);
      }).slice(0, 20);
    }
    if (!rows.length) {
      results.appendChild(el("p", { "class": "muted" }, T.none));
      return;
    }
    rows.forEach(function (row, number) { results.appendChild(card(row, number)); });
  }
  function card(row, number) {
    var form = el("form", { "class": "card member local" });
    form.appendChild(el("h2", { "class": "mono" }, shown(row.t)));
    var facts = el("dl", { "class": "facts" });
    [[T.number, row.n], [T.head, row.h + " · " + row.s + (row.a !== null ? " · " + T.years.replace("%(age)s", row.a) : "")],
      [T.size, String(row.z)]].forEach(function (pair) {
      facts.appendChild(el("dt", {}, pair[0]));
      facts.appendChild(el("dd", {}, pair[1]));
    });
    form.appendChild(facts);
    if (row.x) {
      form.appendChild(el("p", { "class": "errorbox" }, T.cancelled));
      return form;
    }
    if (row.d) {
      form.appendChild(el("p", { "class": "errorbox", role: "alert" },
        (row.here ? T.already_here : T.already).replace("%(at)s", when(row.d))));
      return form;
    }
    var set = el("fieldset");
    set.appendChild(el("legend", {}, T.who));
    var choices = el("ul", { "class": "choices" });
    [["head", T.receiver_head], ["proxy", T.receiver_proxy]].forEach(function (choice, i) {
      var li = el("li");
      var label = el("label");
      var input = el("input", { type: "radio", name: "receiver", value: choice[0] });
      if (i === 0) { input.checked = true; }
      label.appendChild(input);
      label.appendChild(document.createTextNode(" " + choice[1]));
      li.appendChild(label);
      choices.appendChild(li);
    });
    set.appendChild(choices);
    [["proxy_name", T.proxy_name], ["proxy_relationship", T.proxy_relationship]].forEach(function (field) {
      var box = el("div", { "class": "field" });
      var id = "local-" + field[0] + "-" + number;
      box.appendChild(el("label", { "for": id }, field[1]));
      box.appendChild(el("input", { type: "text", id: id, name: field[0] }));
      set.appendChild(box);
    });
    form.appendChild(set);
    var consent = el("label", { "class": "check" });
    consent.appendChild(el("input", { type: "checkbox", name: "photo_consent" }));
    consent.appendChild(document.createTextNode(" " + T.consent));
    form.appendChild(consent);
    var actions = el("div", { "class": "actions" });
    actions.appendChild(el("button", { type: "submit", "class": "primary" }, T.record));
    form.appendChild(actions);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      record(row, form);
    });
    return form;
  }
  function record(row, form) {
    var receiver = form.querySelector("input[name=receiver]:checked").value;
    var proxyName = form.elements.proxy_name.value.trim();
    var proxyRelationship = form.elements.proxy_relationship.value.trim();
    if (receiver === "proxy" && (!proxyName || !proxyRelationship)) {
      say(T.proxy_missing, "error");
      return;
    }
    all("queue", true).then(function (queue) {
      var fresh = byToken[row.t];
      var again = queue.some(function (item) { return item.token === row.t && item.state !== "refused"; });
      if ((fresh && fresh.d) || again) {  // handed over on this device already: refused at once
        say(T.already_here.replace("%(at)s", when(fresh && fresh.d)), "error");
        return null;
      }
      var now = new Date().toISOString();
      var item = {
        c: code, key: key(), token: row.t, n: row.n, at: now, receiver: receiver,
        proxy_name: receiver === "proxy" ? proxyName : "", proxy_relationship: receiver === "proxy" ? proxyRelationship : "",
        photo_consent: form.elements.photo_consent.checked, point: prep.point || "", state: "waiting", message: ""
      };
      return tx(["queue"], "readwrite", function (t) { t.objectStore("queue").add(item); }).then(function () {
        row.d = now;
        row.here = true;
        $("local-results").textContent = "";
        $("search").value = "";
        say(T.recorded.replace("%(token)s", shown(row.t)));
        return status();
      }).then(sync);
    });
  }

  // --- sync ------------------------------------------------------------------------------------
  function later() {
    if (retryTimer) { return; }
    retryTimer = setTimeout(function () { retryTimer = null; sync(); }, retryIn);
    retryIn = Math.min(retryIn * 2, 60000);
  }
  function sync() {
    if (syncing || !navigator.onLine) { return Promise.resolve(); }
    syncing = true;
    var csrf = null;
    var name = null;
    return all("queue", true).then(function (queue) {
      var waiting = queue.filter(function (item) { return item.state === "waiting"; });
      if (!waiting.length) { return null; }
      return Promise.all([device(), fetch(root.dataset.syncUrl, { credentials: "same-origin" })]).then(function (found) {
        name = found[0];
        var answer = found[1];
        if (answer.status === 401 || answer.status === 403 || answer.redirected) { throw new Error("login"); }
        if (!answer.ok) { throw new Error("server"); }
        return answer.json();
      }).then(function (session) {
        if (String(session.user) !== String(user)) { throw new Error("login"); }
        csrf = session.csrf_token;
        var batches = [];
        for (var i = 0; i < waiting.length; i += BATCH) { batches.push(waiting.slice(i, i + BATCH)); }
        return batches.reduce(function (previous, batch) {
          return previous.then(function () { return send(batch, csrf, name); });
        }, Promise.resolve());
      }).then(function () {
        retryIn = 2000;
        return put("meta", { k: "last-sync:" + code, v: new Date().toISOString() });
      });
    }).catch(function (error) {
      if (error.message === "login") { say(T.login_again, "error"); } else { later(); }
    }).then(function () {
      syncing = false;
      return status();
    });
  }
  function send(batch, csrf, name) {
    var body = {
      device: name,
      items: batch.map(function (item) {
        return {
          key: item.key, token: item.token, at: item.at, receiver: item.receiver, proxy_name: item.proxy_name,
          proxy_relationship: item.proxy_relationship, photo_consent: item.photo_consent, point: item.point
        };
      })
    };
    return fetch(root.dataset.syncPost, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
      body: JSON.stringify(body)
    }).then(function (answer) {
      if (answer.status === 401 || answer.status === 403) { throw new Error("login"); }
      if (!answer.ok) { throw new Error("server"); }
      return answer.json();
    }).then(function (data) {
      var byKey = {};
      data.answers.forEach(function (answer) { byKey[answer.key] = answer; });
      return tx(["queue"], "readwrite", function (t) {
        var store = t.objectStore("queue");
        batch.forEach(function (item) {
          var answer = byKey[item.key];
          if (!answer) { return; }  // not answered: stays waiting, sent again
          item.state = answer.outcome === "recorded" ? "synced" : answer.outcome;
          item.message = answer.message || "";
          store.put(item);
        });
      });
    });
  }

  // --- wiring ----------------------------------------------------------------------------------
  $("prepare").addEventListener("click", function () { prepare(); });
  $("forget").addEventListener("click", function () {
    forget().then(function () { say(T.forgotten); return status(); });
  });
  var search = $("search");
  search.form.addEventListener("submit", function (event) {
    if (!prep) { return; }  // not prepared: the server finds, as always
    event.preventDefault();
    say("");
    find(search.value);
  });
  var logout = document.querySelector("form.logout");
  if (logout) {
    logout.addEventListener("submit", function (event) {
      if (logout.dataset.wiped) { return; }
      event.preventDefault();
      status().then(function (waiting) {
        if (waiting) { say(T.logout_pending.replace("%(count)s", String(waiting)), "error"); return null; }
        return forget().then(function () { logout.dataset.wiped = "1"; logout.submit(); });
      });
    });
  }
  window.addEventListener("online", function () { retryIn = 2000; status().then(sync); });
  window.addEventListener("offline", status);
  setInterval(function () { status().then(sync); }, 30000);
  load().then(status).then(sync);
}());
