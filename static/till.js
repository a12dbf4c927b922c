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
  // A scanner never holds Shift; a person does, and Shift on the number
  // row types something else: "!" on a US keyboard, and on Kedmanee the
  // Thai digits, one key off (Shift+Digit2 types ๑, Shift+KeyQ ๐). Read
  // by position those would charge another amount, so a shifted key is
  // the digit it types, or none.
  function digitOf(ev) {
    var code = ev.code || "";
    var key = ev.key && ev.key.length === 1 ? ev.key : "";
    var m = /^(?:Digit|Numpad)([0-9])$/.exec(code);
    if (m && !(ev.shiftKey && code.charAt(0) === "D")) return m[1];
    if (key) {
      var cp = key.charCodeAt(0);
      if (cp >= 0x0e50 && cp <= 0x0e59) return String.fromCharCode(48 + cp - 0x0e50);
      if (m && key >= "0" && key <= "9") return key; // a layout with digits on Shift
    }
    if (!code && key) {
      var n = normalise(key);
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


  // isTextEntry: an element where typed characters become text.
  function isTextEntry(el) {
    if (el.tagName === "TEXTAREA" || el.isContentEditable) return true;
    return el.tagName === "INPUT" && /^(text|search|password|email|number|tel|url|)$/.test(el.type || "");
  }

  // ---- sentences, amounts and codes ----------------------------------------

  // msg fills el with a sentence of the page's bank (#till-msgs), page
  // language first; {name} placeholders take vars.
  function msg(el, id, vars) {
    var bank = document.querySelector('#till-msgs [data-msg="' + id + '"]');
    var fill = function (s) {
      return (s || "").replace(/\{(\w+)\}/g, function (m, k) {
        return vars && Object.prototype.hasOwnProperty.call(vars, k) ? String(vars[k]) : m;
      });
    };
    var first = bank ? fill(bank.getAttribute("data-first")) : id;
    var second = bank ? fill(bank.getAttribute("data-second")) : "";
    var en = pageLang() === "en" ? first : second;
    var th = pageLang() === "en" ? second : first;
    bi(el, en, th);
  }

  var THAI_DIGITS = /[\u0e50-\u0e59]/g;

  // parseBaht mirrors money.ParseBaht (the server is the judge; the page
  // only needs it to show the amount large and to apply the store's
  // large-amount threshold): digits with at most two decimals, commas
  // only between groups of three. Returns satang, or null.
  function parseBaht(text) {
    var s = String(text || "").replace(THAI_DIGITS, function (c) {
      return String.fromCharCode(48 + c.charCodeAt(0) - 0x0e50);
    }).replace(/^[\s\u00a0]+|[\s\u00a0]+$/g, "").replace(/^฿\s*/, "");
    var m = /^(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?$/.exec(s);
    if (!m) return null;
    var whole = m[1].replace(/,/g, "");
    if (whole.length > 13) return null;
    var frac = m[2] || "";
    if (frac.length === 1) frac += "0";
    return parseInt(whole, 10) * 100 + (frac ? parseInt(frac, 10) : 0);
  }

  // formatTHB renders satang as ฿4,000.00, like money.FormatTHB.
  function formatTHB(satang) {
    var whole = String(Math.floor(satang / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    var frac = String(satang % 100);
    return "฿" + whole + "." + (frac.length < 2 ? "0" : "") + frac;
  }

  // maskCode is payments.MaskBarcode: the first two and last four digits.
  function maskCode(code) {
    if (code.length <= 6) return new Array(code.length + 1).join("•");
    return code.slice(0, 2) + new Array(code.length - 5).join("•") + code.slice(-4);
  }

  // codeShape reads the store method's code rules from the page.
  function codeShape(el) {
    var p = (el.getAttribute("data-code-prefixes") || "").split(",").filter(function (x) { return x; });
    return {
      min: num(el.getAttribute("data-scan-min-len"), 16),
      max: num(el.getAttribute("data-scan-max-len"), 32),
      prefixes: p
    };
  }

  // codeProblem names what is wrong with a code (a sentence id), or null.
  function codeProblem(code, shape) {
    if (!/^\d+$/.test(code) || code.length < shape.min || code.length > shape.max) return "scan_short";
    if (shape.prefixes.length) {
      for (var i = 0; i < shape.prefixes.length; i++) {
        if (code.indexOf(shape.prefixes[i]) === 0) return null;
      }
      return "scan_prefix";
    }
    return null;
  }

  // ---- the terminal's scanner -------------------------------------------
  //
  // A wedge scanner types a code as a burst of keys: 10–20 ms apart once
  // awake, the first few up to about 80 ms on a cheap one. People type
  // digits 100 ms or more apart. The browser keeps, per terminal, the key
  // timing of the last scans (the scanner check, or any recognised scan):
  // it makes the "please check" prompts rarer, but it never decides what
  // is charged. What keeps the amount right is structural: a burst that
  // reaches the method's minimum code length is a code and leaves Amount
  // whole, and a sale is sent only with an amount the cashier confirmed.

  var PROFILE_PREFIX = "instore.till.scanner.";
  var PROFILE_SCANS = 5;

  function loadProfile(terminalID) {
    try {
      var p = JSON.parse(load(PROFILE_PREFIX + terminalID) || "null");
      if (p && p.scans && p.scans.length) return p;
    } catch (e) { /* a broken entry is no profile */ }
    return { scans: [] };
  }

  function saveProfile(terminalID, p) {
    store(PROFILE_PREFIX + terminalID, JSON.stringify(p));
  }

  // burstStats summarises one scan's key times.
  function burstStats(times, end) {
    var gaps = [];
    for (var i = 1; i < times.length; i++) gaps.push(Math.round(times[i] - times[i - 1]));
    var sorted = gaps.slice().sort(function (a, b) { return a - b; });
    return {
      n: times.length,
      median: sorted.length ? sorted[Math.floor(sorted.length / 2)] : 0,
      max: sorted.length ? sorted[sorted.length - 1] : 0,
      first: gaps.length ? gaps[0] : 0,
      end: end,
      at: Date.now()
    };
  }

  // thresholds turns a profile into the page's timing rules:
  //   burstGap: keys at most this far apart belong to one burst (and, in
  //     Amount, arrived at scanner speed). Never below 90 ms, so a sleepy
  //     scanner's first keys stay in the burst even with a profile.
  //   settle: quiet after hand typing before Amount counts as confirmed;
  //     without a profile we do not know how slow this scanner's first
  //     keys are, so we wait longer.
  //   idle: silence that ends a burst with no Enter.
  //   waitEnter: this scanner ends its codes with Enter, so silence never
  //     sends a sale (a pause mid-scan cannot send part of a code).
  function thresholds(p) {
    var learned = p.scans.length > 0;
    var maxGap = 0;
    var allEnter = learned;
    for (var i = 0; i < p.scans.length; i++) {
      maxGap = Math.max(maxGap, p.scans[i].max || 0);
      if (p.scans[i].end !== "enter") allEnter = false;
    }
    var burstGap = learned ? Math.min(150, Math.max(90, Math.ceil(maxGap * 1.3) + 5)) : 90;
    return {
      learned: learned,
      burstGap: burstGap,
      settle: learned ? burstGap + 20 : 400,
      idle: learned ? Math.min(600, Math.max(300, Math.ceil(maxGap * 3))) : 300,
      waitEnter: allEnter
    };
  }

  // ---- the sale form ----------------------------------------------------

  function initForm(form) {
    var shape = codeShape(form);
    var confirmAbove = parseInt(form.getAttribute("data-confirm-above") || "0", 10) || 0;
    var field = document.getElementById("till-barcode");
    var amount = document.getElementById("till-amount");
    var terminal = document.getElementById("till-terminal");
    var button = document.getElementById("till-submit");
    var ready = document.getElementById("till-ready");
    var alertBox = document.getElementById("till-alert");
    var confirmedInput = form.querySelector('input[name="amount_confirmed"]');
    var methodInput = form.querySelector('input[name="method"]');
    // A store whose default method shows a QR has no code to scan: Enter
    // sends the sale with that method. Other QR methods have a button each
    // (F2 for the first).
    var scanDefault = form.getAttribute("data-scan-default") !== "false";
    var defaultMethod = form.getAttribute("data-source-type") || "";
    var qrButtons = form.querySelectorAll(".till-qr-method");
    var pendingMethod = "";

    var checkBox = document.getElementById("till-check");
    var checkText = document.getElementById("till-check-text");
    var checkAmount = document.getElementById("till-check-amount");
    var checkConfirm = document.getElementById("till-check-confirm");
    var scannerPanel = document.getElementById("till-scanner-check");
    var scannerResult = document.getElementById("till-scanner-result");
    var scannerOpen = document.getElementById("till-scanner-check-open");
    var scannerDone = document.getElementById("till-scanner-check-done");
    var profileLine = document.getElementById("till-scanner-profile");
    var soundBox = document.getElementById("till-sound");

    // showsQR: a sale of method (its id, "" = the default) shows a QR.
    function showsQR(method) {
      return method === "" || method === defaultMethod ? !scanDefault : true;
    }
    var submitting = false;

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
        forgetOtherOpenSale();
        th = thresholds(loadProfile(terminalID()));
        showProfile();
        amount.focus();
      });
    }

    function terminalID() {
      return terminal ? terminal.value : "";
    }

    // The server named the open sale of the terminal it rendered; this
    // browser may work another one (its remembered terminal, a change).
    function forgetOtherOpenSale() {
      var t = alertBox.getAttribute("data-open-terminal");
      if (t && t !== terminalID()) {
        alertBox.removeAttribute("data-open-terminal");
        clearMessages();
      }
    }
    forgetOtherOpenSale();

    var th = thresholds(loadProfile(terminalID()));

    // What the cashier confirmed in Amount. confirmed is the text of the
    // field when it was last settled by hand (typed at a person's speed
    // and then left alone, or Enter pressed by hand), or confirmed in the
    // check prompt. tainted: a digit arrived at scanner speed since.
    // uncertain: a scan was taken out of Amount, leaving text nobody
    // confirmed. engineValue: the text as this script last saw it, so a
    // change by other means (an on-screen keyboard, autofill) is noticed.
    var am = { confirmed: amount.value, tainted: false, uncertain: false, lastKeyT: 0, lastDigitT: 0, engineValue: amount.value };
    var settleTimer = null;
    var lastKeyT = 0; // any key on the page
    var lastKeydownAt = 0;

    // run: the digits typed since the last gap longer than burstGap, in
    // whichever field they landed; burst: a run recognised as a code,
    // whose remaining keys go straight to the code field.
    var run = null;
    var burst = null;
    var runTimer = null;
    var idleTimer = null;
    var check = null; // the open prompt
    var largeOK = null; // the amount text confirmed as a large amount
    var checking = null; // the scanner check in progress

    function now() { return performance.now(); }

    // ---- Amount ---------------------------------------------------------

    function scheduleSettle() {
      clearTimeout(settleTimer);
      settleTimer = setTimeout(settle, th.settle);
    }

    function settle() {
      if (now() - am.lastKeyT < th.settle - 5) {
        scheduleSettle();
        return;
      }
      if (!am.tainted && !am.uncertain) am.confirmed = amount.value;
    }

    function confirmAmount() {
      am.confirmed = amount.value;
      am.engineValue = amount.value;
      am.tainted = false;
      am.uncertain = false;
    }

    // noteOtherChange: Amount changed without a key this script saw
    // (an on-screen keyboard, autofill, a paste): a person did it.
    function noteOtherChange() {
      if (amount.value === am.engineValue) return;
      am.engineValue = amount.value;
      am.tainted = false;
      am.uncertain = false;
      am.lastDigitT = 0;
      am.lastKeyT = now();
      scheduleSettle();
    }

    amount.addEventListener("input", function () {
      if (amount.value === "") {
        am.tainted = false;
        am.lastDigitT = 0;
      }
      if (now() - lastKeydownAt > 50) {
        noteOtherChange();
      } else {
        // A key the browser handled (Backspace, a paste shortcut).
        am.engineValue = amount.value;
        am.lastKeyT = now();
        scheduleSettle();
      }
      if (check) closeCheck();
    });

    // ---- runs and bursts ------------------------------------------------

    function runDigits() {
      return run ? run.keys.length : 0;
    }

    function runIn(el) {
      if (!run) return false;
      for (var i = 0; i < run.keys.length; i++) if (run.keys[i].field === el) return true;
      return false;
    }

    // A run of four or more keys is at scanner speed (its gaps are at
    // most burstGap by construction).
    function runScannerLike() {
      return runDigits() >= 4;
    }

    function digit(d, t, target) {
      clearTimeout(runTimer);
      if (burst && !burst.done && t - burst.last <= th.idle) {
        // The rest of a recognised code, wherever focus is.
        if (t - burst.last > th.burstGap) burst.paused = true;
        if (field.value.length < shape.max + 8) field.value += d;
        burst.times.push(t);
        burst.last = t;
        armIdle();
        return;
      }
      if (burst && !burst.done) burst.done = true;
      var gap = run ? t - run.last : Infinity;
      if (run && gap > th.burstGap) {
        // A scanner that stalls mid-code (a loaded machine) resumes
        // within the idle time: still one burst.
        if (!(runScannerLike() && gap <= th.idle)) run = null;
        else run.paused = true;
      }
      if (!run) run = { keys: [], last: 0, paused: false };
      var dest = target === field ? field : amount;
      var key = { t: t, d: d, field: dest, before: dest.value };
      if (dest === amount) {
        var fresh = amount.value === "" || (amount.selectionStart === 0 && amount.selectionEnd === amount.value.length);
        if (fresh) {
          am.tainted = false;
          am.lastDigitT = 0;
        }
        key.taintBefore = am.tainted;
        key.confirmedBefore = am.confirmed;
        key.prevT = am.lastKeyT;
        if (am.lastDigitT && t - am.lastDigitT <= th.burstGap) am.tainted = true;
        am.lastDigitT = t;
        am.lastKeyT = t;
        am.uncertain = false;
        if (check) closeCheck();
        if (document.activeElement !== amount) amount.focus();
        insertAt(amount, d);
        am.engineValue = amount.value;
        scheduleSettle();
      } else {
        insertAt(field, d);
      }
      run.keys.push(key);
      run.last = t;
      if (runDigits() >= shape.min) {
        recognise();
        return;
      }
      runTimer = setTimeout(runEnded, th.idle);
    }

    // recognise takes a run that reached the code length out of wherever
    // it landed and makes it the code, whole.
    function recognise() {
      var keys = run.keys;
      var digits = "";
      var firstAmount = null;
      for (var i = 0; i < keys.length; i++) {
        digits += keys[i].d;
        if (keys[i].field === amount && !firstAmount) firstAmount = keys[i];
      }
      var fromAmount = !!firstAmount;
      if (fromAmount) {
        clearTimeout(settleTimer);
        amount.value = firstAmount.before;
        am.engineValue = amount.value;
        am.tainted = firstAmount.taintBefore;
        am.confirmed = firstAmount.confirmedBefore;
        am.lastDigitT = 0;
        // What stays in Amount was confirmed by hand before the scan began
        // and the scan began well after the last typed key; otherwise the
        // split is a guess and the cashier checks it.
        var pause = firstAmount.prevT ? firstAmount.t - firstAmount.prevT : Infinity;
        am.uncertain = amount.value !== am.confirmed || pause < th.settle;
      }
      field.value = digits;
      var times = keys.map(function (k) { return k.t; });
      burst = { times: times, last: run.last, fromAmount: fromAmount, paused: run.paused, done: false };
      run = null;
      field.focus();
      clearMessages();
      armIdle();
    }

    // runEnded: silence after a run that never reached the code length.
    // At scanner speed it was a scan cut short: it is taken out again (in
    // Amount only when it cannot be an amount: eight or more digits).
    function runEnded() {
      if (!run || !runScannerLike()) {
        run = null;
        return;
      }
      var keys = run.keys;
      var inAmount = runIn(amount);
      if (!inAmount || keys.length >= 8) {
        for (var i = 0; i < keys.length; i++) {
          if (keys[i].field === amount) {
            amount.value = keys[i].before;
            am.engineValue = amount.value;
            am.tainted = keys[i].taintBefore;
            am.lastDigitT = 0;
            // A slow-waking scanner may have left its first digits in
            // Amount: what is left is not what the cashier confirmed.
            am.uncertain = amount.value !== am.confirmed;
            break;
          }
        }
        for (var j = 0; j < keys.length; j++) {
          if (keys[j].field === field) {
            field.value = keys[j].before;
            break;
          }
        }
        say("scan_again");
      }
      run = null;
    }

    function armIdle() {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(function () {
        if (!burst || burst.done) return;
        if (now() - burst.last < th.idle - 5) {
          armIdle();
          return;
        }
        if (th.waitEnter) {
          // This scanner ends with Enter: silence means the scan stopped
          // short or the Enter was lost. The cashier decides.
          say("press_enter");
          return;
        }
        finishBurst("none");
      }, th.idle);
    }

    // finishBurst ends a recognised scan (Enter, Tab or silence) and
    // sends the sale when everything is in order.
    function finishBurst(end) {
      var b = burst;
      b.done = true;
      clearTimeout(idleTimer);
      var problem = codeProblem(field.value, shape);
      if (problem) {
        field.value = "";
        say(b.paused ? "scan_again" : problem);
        return;
      }
      if (!b.paused) learn(burstStats(b.times, end));
      if (b.fromAmount && am.uncertain) {
        openCheck("check_uncertain");
        return;
      }
      // The whole scan went to the code field: nothing a scanner typed is
      // in Amount, so what a person typed there stands.
      if (!b.fromAmount && !am.tainted && !am.uncertain) confirmAmount();
      submitSale(false);
    }

    function learn(stats) {
      var id = terminalID();
      var p = loadProfile(id);
      p.scans.push(stats);
      while (p.scans.length > PROFILE_SCANS) p.scans.shift();
      saveProfile(id, p);
      th = thresholds(p);
      showProfile();
    }

    function showProfile() {
      if (!profileLine) return;
      var p = loadProfile(terminalID());
      if (!p.scans.length) {
        profileLine.textContent = "";
        return;
      }
      var s = p.scans[p.scans.length - 1];
      msg(profileLine, "check_result", profileVars(s));
    }

    function profileVars(s) {
      var end = document.querySelector('#till-msgs [data-msg="check_' + (s.end === "none" ? "none" : s.end) + '"]');
      return {
        n: s.n, median: s.median, max: s.max, terminal: terminalID(),
        end: end ? end.getAttribute("data-first") : s.end
      };
    }

    // ---- the check prompt -------------------------------------------------

    function openCheck(reason) {
      var v = parseBaht(amount.value);
      check = { reason: reason, shownAt: now(), value: amount.value, method: pendingMethod };
      msg(checkText, reason);
      checkAmount.textContent = v === null ? amount.value : formatTHB(v);
      checkBox.hidden = false;
      checkBox.setAttribute("data-reason", reason);
      if (reason === "check_large") {
        checkConfirm.focus();
      } else {
        amount.focus();
        amount.select();
      }
      showReady();
    }

    function closeCheck() {
      check = null;
      checkBox.hidden = true;
      checkBox.removeAttribute("data-reason");
    }

    // A prompt is answered by a person: a click, or an Enter pressed at
    // least 400 ms after the prompt appeared and not in a burst of keys
    // (a scanner's second Enter, CR+LF, is not an answer).
    function answerCheck(t) {
      if (!check) return;
      if (t !== null && (t - check.shownAt < 400 || t - lastKeyT < th.burstGap)) return;
      if (amount.value !== check.value) {
        closeCheck();
        return;
      }
      confirmAmount();
      largeOK = amount.value; // the prompt showed this amount large
      var method = check.method;
      closeCheck();
      submitSale(true, method);
    }

    checkConfirm.addEventListener("click", function (ev) {
      ev.preventDefault();
      answerCheck(null);
    });

    // ---- keys -------------------------------------------------------------

    function enter(t, ev) {
      var byHand = t - lastKeyT > th.burstGap;
      if (check) {
        answerCheck(t);
        return;
      }
      if (burst && !burst.done) {
        finishBurst("enter");
        return;
      }
      if (run && t - run.last <= th.burstGap) {
        // A fast run ended by Enter: a scan too short to be a code is
        // taken out (runEnded); a keypad's or a macro's amount stays.
        if (runScannerLike()) runEnded();
        else run = null;
      }
      if (ev.target === amount && byHand && !am.tainted && !am.uncertain) confirmAmount();
      if (!scanDefault) {
        submitSale(byHand, defaultMethod);
        return;
      }
      if (!field.value) {
        if (amount.value) {
          say("scan_first");
          field.focus();
        } else {
          say("amount_first");
          amount.focus();
        }
        return;
      }
      submitSale(byHand);
    }

    document.addEventListener("keydown", function (ev) {
      lastKeydownAt = now();
      if (ignored(ev)) return;
      var t = ev.timeStamp || now();
      if (checking) {
        scannerKey(ev, t);
        return;
      }
      var target = ev.target;
      var d = digitOf(ev);
      if (submitting) {
        if (d !== null || isEnter(ev)) ev.preventDefault();
        return;
      }
      if (d !== null) {
        var formField = target === field || target === amount;
        var elsewhere = !target || !target.tagName || !isTextEntry(target);
        if (formField || elsewhere) {
          // The digit of the physical key, never the Thai character the
          // layout would type; placed by the engine, never by the browser.
          ev.preventDefault();
          digit(d, t, target);
          lastKeyT = t;
        }
        return;
      }
      if (isEnter(ev)) {
        if (target && target.tagName === "A") return; // links keep Enter
        ev.preventDefault();
        enter(t, ev);
        lastKeyT = t;
        return;
      }
      if (ev.code === "F2" || (!ev.code && ev.key === "F2")) {
        ev.preventDefault();
        if (qrButtons.length) submitSale(true, qrButtons[0].getAttribute("data-method"));
        lastKeyT = t;
        return;
      }
      if (isTab(ev) && burst && !burst.done) {
        ev.preventDefault();
        finishBurst("tab");
        lastKeyT = t;
        return;
      }
      lastKeyT = t;
      // Any other key ends a run: scanners type digits only.
      run = null;
      clearTimeout(runTimer);
      if (target === amount) {
        am.lastKeyT = t;
        am.uncertain = false;
        if (check) closeCheck();
        if ((ev.code === "Period" || ev.code === "NumpadDecimal") && ev.key !== ".") {
          ev.preventDefault(); // Thai layout: the point, not the Thai character
          insertAt(amount, ".");
          am.engineValue = amount.value;
        } else if (ev.code === "Comma" && !ev.shiftKey && ev.key !== ",") {
          ev.preventDefault(); // Thai layout: the thousands comma, not ม
          insertAt(amount, ",");
          am.engineValue = amount.value;
        }
        scheduleSettle();
      }
    }, true);

    field.addEventListener("input", function () {
      if (now() - lastKeydownAt <= 50) return;
      var n = normalise(field.value);
      if (n !== field.value) field.value = n;
    });

    field.addEventListener("paste", function (ev) {
      var data = ev.clipboardData || window.clipboardData;
      if (!data) return;
      ev.preventDefault();
      insertAt(field, normalise(data.getData("text")));
      // Pasted, not scanned: the cashier presses Charge.
    });

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (check) {
        answerCheck(null);
        return;
      }
      submitSale(true);
    });

    // ---- the scanner check ------------------------------------------------

    function openScannerCheck() {
      checking = { times: [], digits: "", timer: null };
      scannerPanel.hidden = false;
      scannerResult.textContent = "";
      scannerDone.focus();
    }

    function closeScannerCheck() {
      if (checking) clearTimeout(checking.timer);
      checking = null;
      scannerPanel.hidden = true;
      amount.focus();
    }

    function scannerKey(ev, t) {
      var d = digitOf(ev);
      var end = isEnter(ev) ? "enter" : isTab(ev) ? "tab" : null;
      if (d === null && end === null) {
        if (ev.key === "Escape") closeScannerCheck();
        return;
      }
      if (end && !checking.times.length) return; // Enter on Done
      ev.preventDefault();
      clearTimeout(checking.timer);
      if (d !== null) {
        checking.times.push(t);
        checking.digits += d;
        checking.timer = setTimeout(function () { scannerMeasured("none"); }, 600);
        return;
      }
      scannerMeasured(end);
    }

    function scannerMeasured(end) {
      var c = checking;
      c.timer = null;
      var stats = burstStats(c.times, end);
      c.times = [];
      c.digits = "";
      if (stats.n < 6 || stats.median > 60) {
        msg(scannerResult, "scan_again");
        return;
      }
      // The check replaces what ordinary scans taught: it is the
      // cashier's deliberate measurement of this scanner.
      saveProfile(terminalID(), { scans: [stats] });
      th = thresholds(loadProfile(terminalID()));
      msg(scannerResult, "check_result", profileVars(stats));
      showProfile();
    }

    for (var q = 0; q < qrButtons.length; q++) {
      qrButtons[q].addEventListener("click", function (ev) {
        ev.preventDefault();
        submitSale(true, ev.currentTarget.getAttribute("data-method"));
      });
    }

    if (scannerOpen) scannerOpen.addEventListener("click", openScannerCheck);
    if (scannerDone) scannerDone.addEventListener("click", closeScannerCheck);

    // ---- sound ------------------------------------------------------------

    if (soundBox) {
      soundBox.checked = load(SOUND_KEY) === "1";
      soundBox.addEventListener("change", function () {
        store(SOUND_KEY, soundBox.checked ? "1" : "0");
        if (soundBox.checked) beep("successful");
      });
    }

    // ---- ready indicator ----------------------------------------------------

    function showReady() {
      if (!ready) return;
      ready.hidden = false;
      var ok = !submitting && !check && !checking && document.hasFocus();
      ready.classList.toggle("is-ready", ok);
      ready.textContent = ok ? ready.getAttribute("data-ready-text") : ready.getAttribute("data-not-ready-text");
    }

    if (ready) {
      ready.addEventListener("click", function () {
        (amount.value ? field : amount).focus();
        showReady();
      });
    }
    document.addEventListener("focusin", showReady);
    document.addEventListener("focusout", function () { setTimeout(showReady, 0); });
    window.addEventListener("focus", showReady);
    window.addEventListener("blur", showReady);
    setInterval(showReady, 500);

    // ---- sending ------------------------------------------------------------

    function setBusy(on) {
      submitting = on;
      field.readOnly = on;
      amount.readOnly = on;
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

    function clearMessages() {
      var olds = form.querySelectorAll(".field-error");
      for (var i = 0; i < olds.length; i++) olds[i].parentNode.removeChild(olds[i]);
      var inputs = form.querySelectorAll("[aria-invalid]");
      for (var j = 0; j < inputs.length; j++) inputs[j].setAttribute("aria-invalid", "false");
      alertBox.hidden = true;
      alertBox.textContent = "";
    }

    // say shows one of the bank's sentences in the alert box.
    function say(id) {
      clearMessages();
      msg(alertBox, id);
      alertBox.setAttribute("data-msg", id);
      alertBox.hidden = false;
    }

    function showAlert(err, attemptID) {
      bi(alertBox, err && err.message, err && err.message_th);
      alertBox.removeAttribute("data-msg");
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

    // submitSale sends the sale when the code looks whole and the amount
    // is the one the cashier confirmed; otherwise it says what to do.
    // human: a click or an Enter pressed by hand asked for it.
    function submitSale(human, method) {
      if (submitting) return; // a second Enter, click or F2 is the same sale
      clearTimeout(idleTimer);
      if (burst) burst.done = true;
      pendingMethod = method || (scanDefault ? "" : defaultMethod);
      if (!showsQR(pendingMethod)) {
        var code = normalise(field.value);
        field.value = code;
        var problem = codeProblem(code, shape);
        if (problem) {
          say(code ? problem : "scan_first");
          field.focus();
          return;
        }
      }
      if (!amount.value.replace(/\s/g, "")) {
        say("amount_first");
        amount.focus();
        return;
      }
      noteOtherChange();
      if (amount.value !== am.confirmed) {
        var quiet = now() - am.lastKeyT >= th.settle;
        if (!am.tainted && !am.uncertain && (human || quiet)) {
          confirmAmount();
        } else {
          openCheck(am.tainted ? "check_amount" : "check_uncertain");
          return;
        }
      }
      var satang = parseBaht(amount.value);
      if (satang !== null && confirmAbove > 0 && satang > confirmAbove && largeOK !== amount.value) {
        openCheck("check_large");
        return;
      }
      send();
    }

    function send() {
      clearMessages();
      confirmedInput.value = am.confirmed;
      methodInput.value = pendingMethod;
      setBusy(true);
      var body = new URLSearchParams(new FormData(form));
      if (showsQR(pendingMethod)) body.set("barcode", ""); // the customer scans our QR: no code goes
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
          if (b.fields.barcode) field.value = ""; // ask for a new scan; the rest of the form stays
          if (b.fields.amount) {
            amount.focus();
            amount.select();
          } else {
            field.focus();
          }
          return;
        }
        if (b.error) {
          showAlert(b.error, b.attempt_id);
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
      var th2 = pageLang() === "en" ? other : here;
      showAlert({ message: en, message_th: th2 });
    }

    // A code scanned on the last sale's result screen comes with us.
    var carried = takeCarried(terminalID());
    if (carried) {
      field.value = carried;
      say("scan_kept");
    }
    showProfile();
    if (amount.value === "" || carried || !scanDefault) amount.focus();
    else field.focus();
    showReady();

    // The keys are ours from here on (tests wait for this).
    form.setAttribute("data-ready", "true");

    // For tests: the engine's view of the amount.
    window.instoreTill.state = function () {
      return { confirmed: am.confirmed, tainted: am.tainted, uncertain: am.uncertain, burstGap: th.burstGap, settle: th.settle, learned: th.learned, waitEnter: th.waitEnter };
    };
  }

  // ---- a code scanned on the result screen ----------------------------------

  var CARRY_KEY = "instore.till.carry";
  var CARRY_MS = 60000; // Alipay codes refresh about every minute
  var SOUND_KEY = "instore.till.sound";

  function carry(terminalID, code) {
    try {
      window.sessionStorage.setItem(CARRY_KEY, JSON.stringify({ terminal: terminalID, code: code, at: Date.now() }));
    } catch (e) { /* no storage: the cashier scans again */ }
  }

  function takeCarried(terminalID) {
    try {
      var c = JSON.parse(window.sessionStorage.getItem(CARRY_KEY) || "null");
      window.sessionStorage.removeItem(CARRY_KEY);
      if (c && c.terminal === terminalID && Date.now() - c.at <= CARRY_MS && /^\d+$/.test(c.code)) return c.code;
    } catch (e) { /* nothing carried */ }
    return "";
  }

  // beep plays a short tone for a result when the till's sound is on:
  // two rising notes for paid, one low note for not paid.
  function beep(status) {
    var AC = window.AudioContext || window.webkitAudioContext;
    if (!AC) return;
    try {
      var ctx = new AC();
      var notes = status === "successful" ? [[880, 0], [1320, 0.14]] : [[220, 0], [196, 0.22]];
      for (var i = 0; i < notes.length; i++) {
        var o = ctx.createOscillator();
        var g = ctx.createGain();
        o.frequency.value = notes[i][0];
        g.gain.value = 0.15;
        o.connect(g);
        g.connect(ctx.destination);
        o.start(ctx.currentTime + notes[i][1]);
        o.stop(ctx.currentTime + notes[i][1] + 0.2);
      }
      setTimeout(function () { ctx.close(); }, 1000);
    } catch (e) { /* no sound device */ }
  }

  // initResult: on a finished sale, Enter starts the next sale and a scan
  // starts it with the code kept (the amount is still to be typed).
  function initResult(sale) {
    var shape = codeShape(sale);
    var terminalID = sale.getAttribute("data-terminal");
    var next = sale.getAttribute("data-new-sale-href");
    var lastMasked = sale.getAttribute("data-barcode-masked") || "";
    var times = [];
    var digits = "";
    var timer = null;
    var note = document.getElementById("till-result-note");
    var th = thresholds(loadProfile(terminalID));

    if (load(SOUND_KEY) === "1" && sale.getAttribute("data-status") !== "expired") beep(sale.getAttribute("data-status"));
    sale.setAttribute("data-ready", "true");

    function done() {
      clearTimeout(timer);
      var code = digits;
      digits = "";
      times = [];
      if (!code) {
        window.location.assign(next);
        return;
      }
      var same = maskCode(code) === lastMasked;
      if (same || codeProblem(code, shape)) {
        // Never the code of the sale just finished: it cannot pay twice,
        // and after a failure the customer must show a new one (a code
        // pays once), which is what the cashier is told.
        if (note) {
          msg(note, same ? "scan_same" : "scan_short");
          note.setAttribute("data-msg", same ? "scan_same" : "scan_short");
          note.hidden = false;
        }
        return;
      }
      carry(terminalID, code);
      window.location.assign(next);
    }

    document.addEventListener("keydown", function (ev) {
      if (ignored(ev)) return;
      var t = ev.timeStamp || performance.now();
      var d = digitOf(ev);
      if (d !== null) {
        ev.preventDefault();
        if (times.length && t - times[times.length - 1] > th.idle) {
          digits = "";
          times = [];
        }
        digits += d;
        times.push(t);
        clearTimeout(timer);
        timer = setTimeout(function () { if (digits.length >= shape.min) done(); }, th.idle);
        return;
      }
      if (isEnter(ev)) {
        ev.preventDefault();
        if (times.length && t - times[times.length - 1] <= th.burstGap && digits.length < shape.min) return;
        done();
      }
    }, true);
  }

  // ---- the waiting screen -------------------------------------------------

  function initSale(sale) {
    if (sale.getAttribute("data-final") === "true") {
      var next = document.getElementById("till-new-sale");
      if (next) next.focus();
      initResult(sale);
      return;
    }
    var status = sale.getAttribute("data-status");
    var pollURL = sale.getAttribute("data-poll-url");
    var checking = false;
    var offlineNote = document.getElementById("till-offline");
    var failures = 0;

    // showOffline: cut off, the page cannot hear the customer's payment,
    // and "waiting for the customer" would read as "not paid yet". One
    // failed poll may be a hiccup; two in a row, or the browser saying it
    // is offline, is not.
    function showOffline(on) {
      if (offlineNote) offlineNote.hidden = !on;
    }

    function check() {
      if (checking) return;
      checking = true;
      fetch(pollURL, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (res) { return res.json(); })
        .then(function (j) {
          checking = false;
          failures = 0;
          showOffline(false);
          // The server renders every state (receipt, reason, next step).
          if (j && j.status && j.status !== status) window.location.reload();
        }, function () {
          checking = false;
          failures++;
          if (failures >= 2 || navigator.onLine === false) showOffline(true);
        });
    }

    window.addEventListener("offline", function () { showOffline(true); });
    window.addEventListener("online", check);

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
        if (navigator.onLine === false) {
          // Posted offline, the browser would leave this page for its
          // error page, and the sale with it.
          ev.preventDefault();
          showOffline(true);
          return;
        }
        b.disabled = true;
      });
    }
    // The keys are ours from here on (tests wait for this).
    sale.setAttribute("data-ready", "true");
  }

  // ---- receipt --------------------------------------------------------------

  var printButtons = document.querySelectorAll("[data-print]");
  for (var p = 0; p < printButtons.length; p++) {
    printButtons[p].hidden = false;
    printButtons[p].addEventListener("click", function () { window.print(); });
  }

  // For tests in a browser: the normaliser, the amount grammar, and (on
  // the sale form) the engine's view of the amount.
  window.instoreTill = { normalise: normalise, parseBaht: parseBaht, formatTHB: formatTHB };

  var form = document.getElementById("till-form");
  if (form) initForm(form);
  var sale = document.getElementById("till-sale");
  if (sale) initSale(sale);
})();
