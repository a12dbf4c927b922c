// Shared by the live back office pages: one EventSource on the element's
// data-live-url, reconnecting by itself, with the element's
// [data-testid=live-status] banner shown while disconnected.
"use strict";
window.instoreLive = {
  // connect calls onChange with the JSON of every "charge" and "attempt"
  // event, and onResync after a reconnect (changes may have been missed).
  connect: function (el, onChange, onResync) {
    var url = el.getAttribute("data-live-url") || "/live";
    var banner = el.querySelector("[data-testid=live-status]");
    var down = false, es = null, timer = null;
    function setDown(d) {
      if (banner) banner.hidden = !d;
      el.setAttribute("data-live", d ? "down" : "up");
    }
    function handle(ev) {
      var msg;
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      onChange(msg);
    }
    function open() {
      es = new EventSource(url);
      es.onopen = function () {
        setDown(false);
        if (down) { down = false; onResync(); }
      };
      es.onerror = function () {
        down = true;
        setDown(true);
        // The browser retries by itself unless the stream was refused
        // (closed); then try again a little later.
        if (es.readyState === EventSource.CLOSED) {
          es.close();
          clearTimeout(timer);
          timer = setTimeout(open, 3000);
        }
      };
      es.addEventListener("charge", handle);
      es.addEventListener("attempt", handle);
    }
    window.addEventListener("pagehide", function () { if (es) es.close(); });
    open();
  },
  // flash marks a swapped element for a moment so the change is seen.
  flash: function (node) {
    node.classList.add("changed");
    setTimeout(function () { node.classList.remove("changed"); }, 2000);
  }
};
