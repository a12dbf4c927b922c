// Live board: when the live feed says a terminal changed, its tile is
// fetched again from the server (GET /board/tiles/{store}/{terminal}) and
// swapped in; open sales count their age every second and turn "stale"
// past the till timeout; a banner shows while the feed is down. The page
// is complete without this script, it only stays still.
"use strict";
(function () {
  var board = document.querySelector("[data-testid=board]");
  if (!board) return;
  var live = window.instoreLive;
  var pending = {}; // tile id -> true while fetching, "again" if it changed meanwhile

  function tileID(store, terminal) { return "tile-" + store + "-" + terminal; }

  function refresh(store, terminal) {
    var id = tileID(store, terminal);
    if (!document.getElementById(id)) return; // a terminal this page does not show
    if (pending[id]) { pending[id] = "again"; return; }
    pending[id] = true;
    var url = "/board/tiles/" + encodeURIComponent(store) + "/" + encodeURIComponent(terminal);
    fetch(url, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        var old = document.getElementById(id);
        if (!html || !old) return;
        var tpl = document.createElement("template");
        tpl.innerHTML = html.trim();
        var tile = tpl.content.firstElementChild;
        if (!tile) return;
        old.replaceWith(tile);
        live.flash(tile);
        tick();
      })
      .catch(function () {})
      .then(function () {
        var again = pending[id] === "again";
        delete pending[id];
        if (again) refresh(store, terminal);
      });
  }

  function refreshAll() {
    board.querySelectorAll(".tile[data-store]").forEach(function (t) {
      refresh(t.getAttribute("data-store"), t.getAttribute("data-terminal"));
    });
  }

  function two(n) { return n < 10 ? "0" + n : "" + n; }
  function clock(s) {
    var h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, sec = s % 60;
    return h > 0 ? h + ":" + two(m) + ":" + two(sec) : m + ":" + two(sec);
  }

  // Ages use the server's clock: each tile carries the server time it was
  // drawn at, so a wrong clock on this computer does not matter.
  function tick() {
    var now = Date.now();
    board.querySelectorAll(".tile[data-since]").forEach(function (t) {
      if (!t.hasAttribute("data-skew")) {
        t.setAttribute("data-skew", String(Number(t.getAttribute("data-now")) - now));
      }
      var s = Math.max(0, Math.floor((now + Number(t.getAttribute("data-skew")) - Number(t.getAttribute("data-since"))) / 1000));
      var age = t.querySelector(".age");
      if (age) age.textContent = clock(s);
      var timeout = Number(t.getAttribute("data-timeout"));
      if (timeout > 0 && s > timeout && !t.classList.contains("stale")) {
        t.classList.add("stale");
        var st = t.querySelector(".tile-state");
        if (st && st.getAttribute("data-stale-text")) st.textContent = st.getAttribute("data-stale-text");
      }
    });
  }
  setInterval(tick, 1000);
  tick();

  live.connect(board, function (msg) {
    if (msg.store_id && msg.terminal_id) refresh(msg.store_id, msg.terminal_id);
  }, refreshAll);
})();
