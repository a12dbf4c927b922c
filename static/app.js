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
