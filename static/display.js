// Customer display (GET /till/display): shows the terminal's state, idle,
// waiting (amount to pay), paid or not paid. The live stream only nudges;
// every change is re-read from data-state-url, which also serves as the
// poll when the stream is down (and, while a sale waits, is what learns
// of the payment when no till page is open).
"use strict";
(function () {
  var root = document.querySelector("[data-display]");
  if (!root) return;
  var stateURL = root.getAttribute("data-state-url");
  var eventsURL = root.getAttribute("data-events-url");
  var banner = root.querySelector("[data-testid=display-live]");
  var state = root.getAttribute("data-state") || "idle";
  var live = false, busy = false, again = false;
  var pollTimer = null, holdTimer = null, es = null;

  function show(s) {
    state = s.state || "idle";
    root.setAttribute("data-state", state);
    root.className = "display state-" + state;
    var screens = root.querySelectorAll("[data-screen]");
    for (var i = 0; i < screens.length; i++) {
      screens[i].hidden = screens[i].getAttribute("data-screen") !== state;
    }
    var amounts = root.querySelectorAll("[data-amount]");
    for (var j = 0; j < amounts.length; j++) amounts[j].textContent = s.amount || "";
    // A PromptPay sale: the QR to scan instead of "show your code".
    var qr = root.querySelector("[data-qr]");
    if (qr) {
      if (s.qr) {
        if (qr.getAttribute("src") !== s.qr) qr.setAttribute("src", s.qr);
      } else {
        qr.removeAttribute("src");
      }
      qr.hidden = !s.qr;
      var qh = root.querySelector("[data-qr-hint]");
      var ch = root.querySelector("[data-code-hint]");
      if (qh) qh.hidden = !s.qr;
      if (ch) ch.hidden = !!s.qr;
    }
    clearTimeout(holdTimer);
    // A result stays for its hold time, then the server says idle.
    if (s.hold_ms > 0) holdTimer = setTimeout(refresh, s.hold_ms + 200);
  }

  function schedule() {
    clearTimeout(pollTimer);
    var every = state === "waiting" ? 3000 : (live ? 30000 : 5000);
    pollTimer = setTimeout(refresh, every);
  }

  function done() {
    busy = false;
    if (again) { again = false; refresh(); } else schedule();
  }

  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(stateURL, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (r) {
        // Revoked, or no longer allowed: the page itself says what now.
        if (r.status === 401 || r.status === 403) { location.reload(); throw new Error("gone"); }
        if (!r.ok) throw new Error("status " + r.status);
        return r.json();
      })
      .then(function (s) { show(s); done(); }, function () { done(); });
  }

  function setLive(up) {
    live = up;
    if (banner) banner.hidden = up;
    root.setAttribute("data-live", up ? "up" : "down");
  }

  function open() {
    if (!window.EventSource || !eventsURL) { setLive(false); return; }
    es = new EventSource(eventsURL);
    es.onopen = function () { setLive(true); refresh(); };
    es.onerror = function () {
      setLive(false);
      if (es.readyState === EventSource.CLOSED) {
        es.close();
        setTimeout(open, 5000);
        refresh(); // a refused stream: the state read tells whether we are still allowed
      }
    };
    es.addEventListener("change", refresh);
    es.addEventListener("revoked", function () { es.close(); location.reload(); });
  }

  window.addEventListener("pagehide", function () { if (es) es.close(); });
  var hold = parseInt(root.getAttribute("data-hold-ms") || "0", 10);
  if (hold > 0) holdTimer = setTimeout(refresh, hold + 200);
  schedule();
  open();
})();
