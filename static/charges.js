// Live charge list: a charge the live feed reports is fetched as a table
// row (GET /charges/{id}/row with the page's filter) and replaces its row,
// or, on the first page and when it matches the filter, is added on top.
// Without this script the list is complete, only not live.
"use strict";
(function () {
  var root = document.querySelector("[data-testid=charges]");
  if (!root) return;
  var tbody = root.querySelector("[data-testid=charges-rows]");
  if (!tbody) return;
  var live = window.instoreLive;
  var query = root.getAttribute("data-query") || "";
  var firstPage = root.getAttribute("data-paged") !== "true";

  function show(id) {
    var url = "/charges/" + encodeURIComponent(id) + "/row" + (query ? "?" + query : "");
    fetch(url, { credentials: "same-origin" })
      .then(function (r) { return r.status === 200 ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var tpl = document.createElement("template");
        tpl.innerHTML = html.trim();
        var row = tpl.content.firstElementChild;
        if (!row) return;
        var old = document.getElementById("charge-" + id);
        if (old) {
          old.replaceWith(row);
        } else if (firstPage && row.getAttribute("data-match") === "true") {
          tbody.insertBefore(row, tbody.firstChild);
          var empty = root.querySelector("[data-testid=charges-empty]");
          if (empty) empty.remove();
        } else {
          return;
        }
        live.flash(row);
      })
      .catch(function () {});
  }

  // After a gap in the feed, re-read every row on screen.
  function refreshAll() {
    tbody.querySelectorAll("tr[data-charge]").forEach(function (tr) { show(tr.getAttribute("data-charge")); });
  }

  live.connect(root, function (msg) {
    if (msg.charge_id) show(msg.charge_id);
  }, refreshAll);
})();
