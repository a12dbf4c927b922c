// Finance pages: the Z-report's print button and the reconciliation
// progress. Both pages work without it (Ctrl+P; a refresh link).
"use strict";

document.addEventListener("click", function (ev) {
  var el = ev.target;
  if (el instanceof Element && el.closest("[data-print]")) {
    window.print();
  }
});

// A running reconciliation's page polls its own JSON form and reloads when
// the run has finished; in between it updates the progress figures.
(function () {
  var box = document.querySelector("[data-poll]");
  if (!box || !window.fetch) return;
  var url = box.getAttribute("data-poll");
  function set(sel, text) {
    var el = box.querySelector(sel);
    if (el) el.textContent = text;
  }
  function tick() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (run) {
        if (!run) { setTimeout(tick, 5000); return; }
        if (run.status !== "running") { window.location.reload(); return; }
        var bar = box.querySelector("[data-testid=run-progress]");
        if (bar) { bar.max = Math.max(run.days_total, 1); bar.value = run.days_done; }
        set("[data-testid=run-days]", run.days_done + " / " + run.days_total);
        set("[data-testid=run-omise-seen]", String(run.omise_seen));
        set("[data-testid=run-local-seen]", String(run.local_seen));
        set("[data-testid=run-differences]", String(run.differences));
        setTimeout(tick, 1000);
      })
      .catch(function () { setTimeout(tick, 5000); });
  }
  setTimeout(tick, 1000);
})();
