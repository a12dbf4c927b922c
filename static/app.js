// Small progressive enhancements for every page. The pages work without it.
"use strict";

// Forms marked data-confirm ask before submitting (disable a user, ...).
document.addEventListener("submit", function (ev) {
  var form = ev.target;
  if (!(form instanceof HTMLFormElement)) return;
  var msg = form.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) {
    ev.preventDefault();
  }
});

// A <select data-autosubmit> submits its form when changed (filters).
document.addEventListener("change", function (ev) {
  var el = ev.target;
  if (el instanceof HTMLSelectElement && el.hasAttribute("data-autosubmit") && el.form) {
    el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit();
  }
});

// A form posted once ignores further submits while its answer is on the
// way: a double click sends one request, and the person sees the answer
// to it (not "that name is taken" from the second copy). Money forms are
// also safe on the server, by their idempotency keys; this spares people
// a confusing second answer everywhere else. Forms whose own script stops
// the browser's submit (the till) are left to that script. The lock lifts
// after sentFor, should no new page come (a download, a dropped network),
// and on a page restored from the back-forward cache.
var sentFor = 15000;
document.addEventListener("submit", function (ev) {
  var form = ev.target;
  if (!(form instanceof HTMLFormElement) || ev.defaultPrevented) return;
  if ((form.getAttribute("method") || "get").toLowerCase() !== "post") return;
  if (form.hasAttribute("data-sent")) {
    ev.preventDefault();
    return;
  }
  form.setAttribute("data-sent", "");
  form.setAttribute("aria-busy", "true");
  setTimeout(function () { release(form); }, sentFor);
});

function release(form) {
  form.removeAttribute("data-sent");
  form.removeAttribute("aria-busy");
}

window.addEventListener("pageshow", function (ev) {
  if (ev.persisted) document.querySelectorAll("form[data-sent]").forEach(release);
});
