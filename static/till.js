// Till: wedge-scanner capture, one charge per sale, and the waiting screen.
// The pages work without it (plain form post, meta refresh); this makes
// them fast and layout-proof. No framework, no inline script (CSP).
"use strict";
(function () {
  // The Thai Kedmanee layout types these on the number row (Digit1..Digit0);
  // Thai digits ๐-๙ are U+0E50..U+0E59. Same table as payments.NormaliseBarcode.
  var KEDMANEE = { "ๅ": "1", "/": "2", "-": "3", "ภ": "4", "ถ": "5", "ุ": "6", "ึ": "7", "ค": "8", "ต": "9", "จ": "0" };
  var SPACES = /[\s\u200b\ufeff]/;

  // normalise maps scanned or pasted text to the digits the scanner meant;
  // anything else is kept so that the server can refuse it clearly.
  function normalise(text) {
    var out = "";
    for (var i = 0; i < text.length; i++) {
      var ch = text.charAt(i);
      var cp = text.charCodeAt(i);
      if (ch >= "0" && ch <= "9") {
        out += ch;
      } else if (cp >= 0x0e50 && cp <= 0x0e59) {
        out += String.fromCharCode(48 + cp - 0x0e50);
      } else if (Object.prototype.hasOwnProperty.call(KEDMANEE, ch)) {
        out += KEDMANEE[ch];
      } else if (!SPACES.test(ch)) {
        out += ch;
      }
    }
    return out;
  }

  // digitOf reads the physical key (KeyboardEvent.code), so a scanner on a
  // Thai layout still gives digits; without a code it falls back to key.
  function digitOf(ev) {
    var m = /^(?:Digit|Numpad)([0-9])$/.exec(ev.code || "");
    if (m) return m[1];
    if (!ev.code && ev.key && ev.key.length === 1) {
      var n = normalise(ev.key);
      if (/^[0-9]$/.test(n)) return n;
    }
    return null;
  }

  function isEnter(ev) {
    return ev.code === "Enter" || ev.code === "NumpadEnter" || (!ev.code && ev.key === "Enter");
  }

  function isTab(ev) {
    return ev.code === "Tab" || (!ev.code && ev.key === "Tab");
  }

  // ignored: IME composition (MDN: isComposing / keyCode 229) and shortcuts.
  function ignored(ev) {
    return ev.isComposing || ev.keyCode === 229 || ev.ctrlKey || ev.metaKey || ev.altKey;
  }

  function insertAt(input, text) {
    var s = input.selectionStart;
    var e = input.selectionEnd;
    if (s === null || s === undefined) {
      input.value += text;
      return;
    }
    input.value = input.value.slice(0, s) + text + input.value.slice(e);
    input.selectionStart = input.selectionEnd = s + text.length;
  }

  function num(v, def) {
    var n = parseInt(v, 10);
    return isNaN(n) || n <= 0 ? def : n;
  }

  function csrfToken() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute("content") : "";
  }

  function pageLang() {
    return document.documentElement.lang === "en" ? "en" : "th";
  }

  // bi fills el with the page's language first and the other one under it.
  function bi(el, en, th) {
    var first = pageLang() === "en" ? en : th;
    var second = pageLang() === "en" ? th : en;
    el.textContent = "";
    el.classList.add("bi");
    var a = document.createElement("span");
    a.textContent = first || second || "";
    el.appendChild(a);
    if (second && second !== first) {
      var b = document.createElement("span");
      b.className = "alt";
      b.textContent = second;
      el.appendChild(b);
    }
  }

  var TERMINAL_KEY = "instore.till.terminal";

  function store(key, value) {
    try { window.localStorage.setItem(key, value); } catch (e) { /* private mode: the cookie still remembers */ }
  }

  function load(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }

  // ---- the sale form ----------------------------------------------------

  function initForm(form) {
    var cfg = {
      maxGap: num(form.getAttribute("data-scan-max-gap-ms"), 35),
      minLen: num(form.getAttribute("data-scan-min-len"), 16),
      idle: num(form.getAttribute("data-scan-idle-ms"), 80)
    };
    var field = document.getElementById("till-barcode");
    var amount = document.getElementById("till-amount");
    var terminal = document.getElementById("till-terminal");
    var button = document.getElementById("till-submit");
    var ready = document.getElementById("till-ready");
    var alertBox = document.getElementById("till-alert");
    var submitting = false;
    var idleTimer = null;
    // Key timing of what is in the scan field: a scanner types a burst.
    var scan = { count: 0, gaps: [], last: 0 };
    // The last digit typed into the amount field, in case a scan started there.
    var amountKey = { at: 0, before: "", digit: "" };

    if (terminal) {
      var remembered = load(TERMINAL_KEY);
      if (remembered && !/[?&]terminal=/.test(window.location.search)) {
        for (var i = 0; i < terminal.options.length; i++) {
          if (terminal.options[i].value === remembered) terminal.value = remembered;
        }
      }
      store(TERMINAL_KEY, terminal.value);
      terminal.addEventListener("change", function () {
        store(TERMINAL_KEY, terminal.value);
        focusScan();
      });
    }

    function focusScan() {
      if (!submitting) field.focus();
      showReady();
    }

    function showReady() {
      if (!ready) return;
      ready.hidden = false;
      var ok = !submitting && document.hasFocus() && document.activeElement === field;
      ready.classList.toggle("is-ready", ok);
      ready.textContent = ok ? ready.getAttribute("data-ready-text") : ready.getAttribute("data-not-ready-text");
    }

    function resetScan() {
      scan = { count: 0, gaps: [], last: 0 };
    }

    function noteKey(now) {
      if (scan.count > 0) scan.gaps.push(now - scan.last);
      scan.count++;
      scan.last = now;
    }

    function looksScanned() {
      if (scan.count < cfg.minLen || scan.gaps.length === 0) return false;
      var g = scan.gaps.slice().sort(function (a, b) { return a - b; });
      return g[Math.floor(g.length / 2)] <= cfg.maxGap;
    }

    function armIdle() {
      clearTimeout(idleTimer);
      // A scanner that sends no Enter or Tab: its burst ends in silence.
      idleTimer = setTimeout(function () {
        if (looksScanned() && field.value) submitSale();
      }, cfg.idle);
    }

    function addDigit(d) {
      if (field.value === "") resetScan();
      insertAt(field, d);
      noteKey(performance.now());
      armIdle();
    }

    field.addEventListener("keydown", function (ev) {
      if (ignored(ev)) return;
      if (submitting) {
        ev.preventDefault();
        return;
      }
      var d = digitOf(ev);
      if (d !== null) {
        // The digit, never the Thai character the layout would type.
        ev.preventDefault();
        addDigit(d);
        return;
      }
      if (isEnter(ev) || (isTab(ev) && looksScanned())) {
        ev.preventDefault();
        if (field.value) submitSale();
      }
    });

    // Fallback for keyboards that give no code (on-screen keyboards): fix
    // what landed in the field as it is typed; never on blur.
    field.addEventListener("input", function () {
      var n = normalise(field.value);
      if (n !== field.value) field.value = n;
      if (field.value === "") resetScan();
    });

    field.addEventListener("paste", function (ev) {
      var data = ev.clipboardData || window.clipboardData;
      if (!data) return;
      ev.preventDefault();
      insertAt(field, normalise(data.getData("text")));
      resetScan(); // pasted, not scanned: the cashier presses Charge
    });

    if (amount) {
      amount.addEventListener("keydown", function (ev) {
        if (ignored(ev) || submitting) return;
        var now = performance.now();
        var d = digitOf(ev);
        if (d !== null) {
          if (amountKey.at && now - amountKey.at <= cfg.maxGap) {
            // Faster than anyone types: a scan went into the amount field.
            // Give the amount back and move the burst to the scan field.
            ev.preventDefault();
            amount.value = amountKey.before;
            field.value = "";
            resetScan();
            scan = { count: 1, gaps: [], last: amountKey.at };
            insertAt(field, amountKey.digit);
            amountKey.at = 0;
            field.focus();
            addDigit(d);
            showReady();
            return;
          }
          amountKey = { at: now, before: amount.value, digit: d };
          if (ev.key !== d) {
            ev.preventDefault(); // Thai layout: type the digit, not the Thai character
            insertAt(amount, d);
          }
          return;
        }
        amountKey.at = 0;
        if ((ev.code === "Period" || ev.code === "NumpadDecimal") && ev.key !== ".") {
          ev.preventDefault();
          insertAt(amount, ".");
          return;
        }
        if (isEnter(ev)) {
          ev.preventDefault();
          if (field.value) submitSale();
          else focusScan();
        }
      });
    }

    // Keys typed while focus is elsewhere (a button, the terminal picker,
    // the page) are not lost: digits go to the scan field, which takes focus.
    document.addEventListener("keydown", function (ev) {
      var t = ev.target;
      if (t === field || t === amount || ignored(ev) || submitting) return;
      if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA")) return;
      var d = digitOf(ev);
      if (d === null) return;
      ev.preventDefault();
      field.focus();
      addDigit(d);
      showReady();
    }, true);

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      submitSale();
    });

    if (ready) {
      ready.addEventListener("click", function () { focusScan(); });
    }
    document.addEventListener("focusin", showReady);
    document.addEventListener("focusout", function () { setTimeout(showReady, 0); });
    window.addEventListener("focus", function () {
      if (document.activeElement !== amount) focusScan();
      showReady();
    });
    window.addEventListener("blur", showReady);
    setInterval(showReady, 500);

    function setBusy(on) {
      submitting = on;
      field.readOnly = on;
      button.disabled = on;
      if (on) {
        button.setAttribute("data-label", button.textContent);
        button.textContent = form.getAttribute("data-charging-text");
      } else if (button.getAttribute("data-label")) {
        button.textContent = button.getAttribute("data-label");
      }
      form.classList.toggle("is-charging", on);
      showReady();
    }

    function clearErrors() {
      var olds = form.querySelectorAll(".field-error");
      for (var i = 0; i < olds.length; i++) olds[i].parentNode.removeChild(olds[i]);
      var inputs = form.querySelectorAll("[aria-invalid]");
      for (var j = 0; j < inputs.length; j++) inputs[j].setAttribute("aria-invalid", "false");
      alertBox.hidden = true;
      alertBox.textContent = "";
    }

    function showAlert(err, attemptID) {
      bi(alertBox, err && err.message, err && err.message_th);
      if (attemptID) {
        var a = document.createElement("a");
        a.href = "/till/charges/" + encodeURIComponent(attemptID);
        a.textContent = form.getAttribute("data-busy-text");
        a.setAttribute("data-testid", "till-busy-link");
        alertBox.appendChild(a);
      }
      alertBox.hidden = false;
    }

    function showFields(fields) {
      var names = { attempt_id: "barcode" };
      for (var k in fields) {
        if (!Object.prototype.hasOwnProperty.call(fields, k)) continue;
        var input = form.querySelector('[name="' + (names[k] || k) + '"]');
        if (!input) continue;
        input.setAttribute("aria-invalid", "true");
        var span = document.createElement("span");
        span.className = "field-error";
        span.setAttribute("data-testid", "field-error-" + k);
        bi(span, fields[k].message, fields[k].message_th);
        input.parentNode.appendChild(span);
      }
    }

    function submitSale() {
      if (submitting) return; // a second Enter or click is the same sale
      clearTimeout(idleTimer);
      clearErrors();
      setBusy(true);
      var body = new URLSearchParams(new FormData(form));
      fetch(form.getAttribute("action"), {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRF-Token": csrfToken() }
      }).then(function (res) {
        return res.json().then(function (j) { return { status: res.status, body: j }; },
          function () { return { status: res.status, body: null }; });
      }).then(function (r) {
        var b = r.body || {};
        if (r.status === 200 && b.attempt_id) {
          window.location.assign(b.url || "/till/charges/" + encodeURIComponent(b.attempt_id));
          return;
        }
        setBusy(false);
        if (r.status === 401) {
          window.location.reload(); // the session ended: the login page comes back here
          return;
        }
        if (r.status === 422 && b.fields) {
          showAlert(b.error);
          showFields(b.fields);
          if (b.fields.barcode) {
            field.value = ""; // ask for a new scan; the rest of the form stays
            resetScan();
          }
          if (b.fields.amount && !b.fields.barcode) amount.focus();
          else focusScan();
          return;
        }
        if (b.error) {
          showAlert(b.error, b.attempt_id);
          focusScan();
          return;
        }
        networkTrouble();
      }, function () {
        setBusy(false);
        networkTrouble();
      });
    }

    function networkTrouble() {
      // Keep the code and the attempt id: pressing Charge again is the same
      // sale, which the server never charges twice.
      var here = form.getAttribute("data-network-text");
      var other = form.getAttribute("data-network-alt");
      var en = pageLang() === "en" ? here : other;
      var th = pageLang() === "en" ? other : here;
      showAlert({ message: en, message_th: th });
      focusScan();
    }

    focusScan();
  }

  // ---- the waiting screen -------------------------------------------------

  function initSale(sale) {
    if (sale.getAttribute("data-final") === "true") {
      var next = document.getElementById("till-new-sale");
      if (next) next.focus();
      return;
    }
    var status = sale.getAttribute("data-status");
    var pollURL = sale.getAttribute("data-poll-url");
    var checking = false;

    function check() {
      if (checking) return;
      checking = true;
      fetch(pollURL, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (res) { return res.json(); })
        .then(function (j) {
          checking = false;
          // The server renders every state (receipt, reason, next step).
          if (j && j.status && j.status !== status) window.location.reload();
        }, function () { checking = false; });
    }

    // Live: any change of this sale triggers a check at once; the 3-second
    // poll covers a feed that is down or a change nobody published.
    if (window.EventSource) {
      var es = new EventSource(sale.getAttribute("data-live-url"));
      es.addEventListener("charge", check);
      es.addEventListener("attempt", check);
      es.onmessage = check;
      window.addEventListener("pagehide", function () { es.close(); });
    }
    setInterval(check, 3000);

    var cd = document.getElementById("till-countdown");
    if (cd) {
      var end = performance.now() + num(sale.getAttribute("data-seconds-left"), 0) * 1000;
      var tick = function () {
        var left = Math.max(0, Math.ceil((end - performance.now()) / 1000));
        if (left === 0) {
          cd.textContent = sale.getAttribute("data-expiring-text");
          check();
          return;
        }
        var s = left % 60;
        cd.textContent = Math.floor(left / 60) + ":" + (s < 10 ? "0" : "") + s;
        setTimeout(tick, 1000);
      };
      tick();
    }

    var cancel = sale.querySelector("form.till-cancel");
    if (cancel) {
      cancel.addEventListener("submit", function (ev) {
        var b = cancel.querySelector("button");
        if (b.disabled) {
          ev.preventDefault();
          return;
        }
        b.disabled = true;
      });
    }
  }

  // ---- receipt --------------------------------------------------------------

  var printButtons = document.querySelectorAll("[data-print]");
  for (var p = 0; p < printButtons.length; p++) {
    printButtons[p].hidden = false;
    printButtons[p].addEventListener("click", function () { window.print(); });
  }

  var form = document.getElementById("till-form");
  if (form) initForm(form);
  var sale = document.getElementById("till-sale");
  if (sale) initSale(sale);

  // For tests of the normaliser in a browser.
  window.instoreTill = { normalise: normalise };
})();
