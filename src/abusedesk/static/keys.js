// Keyboard-first triage in the console. "?" opens the help (templates/review/_live.html lists the keys). No
// shortcut fires while the focus is in a field, nor with Ctrl, Alt or Meta held. Shortcuts only move the focus or
// press a button the page already offers (claim, next case): every one of them is also a button reachable with
// Tab, and approving is never done by one key — "a" goes to the approve button, Enter presses it.
// x ticks the focused queue row for a bulk action (a box the row already has).
// An element can take a key explicitly with data-key="claim|evidence|decide|approve|next"; otherwise the
// console's usual ids and classes are used.
(function () {
  "use strict";
  var help = document.getElementById("keys-help");
  var root = document.getElementById("live");
  if (!help || !root) {
    return;
  }
  var STORE = "abusedesk.queue";  // the last queue page's cases in order, for j/k on a case page
  var status = document.getElementById("keys-status");
  var table = document.getElementById("queue");
  var heading = document.querySelector("[data-live-case]");
  var opener = null;
  var awaitingG = 0;

  function say(words) {
    status.textContent = words;
    window.setTimeout(function () {
      if (status.textContent === words) {
        status.textContent = "";
      }
    }, 4000);
  }

  function unavailable() {
    say(root.getAttribute("data-msg-unavailable") || "");
  }

  function find(key, selectors) {
    var all = ['[data-key="' + key + '"]'].concat(selectors);
    for (var i = 0; i < all.length; i += 1) {
      var node = document.querySelector(all[i]);
      if (node && !node.disabled && !node.closest("[hidden]")) {
        return node;
      }
    }
    return null;
  }

  function focusOn(node) {
    if (!node.matches("a[href], button, input, select, textarea, [tabindex]")) {
      node.setAttribute("tabindex", "-1");
    }
    node.focus();
    node.scrollIntoView({block: "center"});
  }

  // -- the queue: j/k move through the rows, Enter opens -----------------------------------------------------
  function rows() {
    return table ? Array.from(table.querySelectorAll("tbody tr[data-case-id]")) : [];
  }

  function currentRow() {
    var active = document.activeElement;
    var holder = active && active.closest ? active.closest("tr[data-case-id]") : null;
    return holder || (table && table.querySelector("tr.key-current"));
  }

  function select(row) {
    rows().forEach(function (each) {
      each.classList.remove("key-current");
    });
    row.classList.add("key-current");
    var link = row.querySelector("a[href]");
    if (link) {
      link.focus();
      link.scrollIntoView({block: "nearest"});
    }
  }

  function remember() {
    var list = rows().map(function (each) {
      var link = each.querySelector("a[href]");
      return {id: Number(each.getAttribute("data-case-id")), url: link ? link.href : ""};
    });
    try {
      window.sessionStorage.setItem(STORE, JSON.stringify(list));
    } catch (e) { /* storage off: j/k then work on the queue page only */ }
  }

  function stepCase(step) {  // on a case page: the case before or after it on the queue page it came from
    var list = [];
    try {
      list = JSON.parse(window.sessionStorage.getItem(STORE) || "[]");
    } catch (e) { /* nothing remembered */ }
    var here = Number(heading.getAttribute("data-live-case"));
    var index = list.findIndex(function (item) { return item.id === here; });
    var next = index >= 0 ? list[index + step] : null;
    if (next && next.url) {
      window.location.assign(next.url);
    } else {
      say(root.getAttribute("data-msg-queue-end") || "");
    }
  }

  function move(step) {
    if (!table) {
      if (heading) {
        stepCase(step);
      } else {
        unavailable();
      }
      return;
    }
    var list = rows();
    if (!list.length) {
      unavailable();
      return;
    }
    var index = list.indexOf(currentRow());
    index = index < 0 ? (step > 0 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, index + step));
    select(list[index]);
  }

  function open() {
    var row = currentRow();
    var link = row && row.querySelector("a[href]");
    if (link) {
      window.location.assign(link.href);
      return true;
    }
    return false;
  }

  // -- actions on a case ------------------------------------------------------------------------------------
  function press(key, selectors) {
    var node = find(key, selectors);
    if (node) {
      node.click();
    } else {
      unavailable();
    }
  }

  function goTo(key, selectors, inside) {
    var node = find(key, selectors);
    if (!node) {
      unavailable();
      return;
    }
    var field = inside ? node.querySelector(inside) : null;
    focusOn(field || node);
  }

  // -- the help dialog --------------------------------------------------------------------------------------
  function focusables() {
    return Array.from(help.querySelectorAll("a[href], button, input, select, textarea, [tabindex]"))
      .filter(function (node) { return !node.disabled && node.getAttribute("tabindex") !== "-1"; });
  }

  function openHelp() {
    if (help.open) {
      return;
    }
    opener = document.activeElement;
    help.showModal();
    document.getElementById("keys-help-close").focus();
  }

  function closeHelp() {
    if (help.open) {
      help.close();
    }
  }

  help.addEventListener("close", function () {
    if (opener && opener.focus && document.contains(opener)) {
      opener.focus();
    }
    opener = null;
  });

  help.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      event.preventDefault();
      closeHelp();
    } else if (event.key === "Tab") {  // keep the focus inside the dialog
      var list = focusables();
      var index = list.indexOf(document.activeElement);
      var next = event.shiftKey ? (index <= 0 ? list.length - 1 : index - 1) : (index + 1) % list.length;
      event.preventDefault();
      if (list.length) {
        list[next].focus();
      }
    }
  });

  document.getElementById("keys-help-close").addEventListener("click", closeHelp);
  document.getElementById("keys-hint").addEventListener("click", openHelp);

  // -- dispatch ---------------------------------------------------------------------------------------------
  var NOT_TYPED = ["checkbox", "radio", "button", "submit", "reset", "image", "file", "color", "range"];

  function typing(target) {  // a field that takes letters (a checkbox or a button does not)
    var field = target && target.closest ? target.closest("input, textarea, select, [contenteditable]") : null;
    return Boolean(field) && !(field.matches("input") && NOT_TYPED.indexOf(field.type) >= 0);
  }

  // x ticks (or unticks) the bulk-action box of the focused queue row, as a click would: the bulk form's count
  // and "select all" box follow through the change event. Only on the queue, for analysts who may act in bulk.
  function tick() {
    var row = currentRow();
    var box = row ? row.querySelector("input.bulk-pick") : null;
    if (!box || box.disabled) {
      unavailable();
      return;
    }
    box.checked = !box.checked;
    box.dispatchEvent(new Event("change", {bubbles: true}));
    say(box.checked ? (root.getAttribute("data-msg-ticked") || "") : (root.getAttribute("data-msg-unticked") || ""));
  }

  var KEYS = {
    x: tick,
    j: function () { move(1); },
    k: function () { move(-1); },
    c: function () { press("claim", ["#claim-submit"]); },
    e: function () { goTo("evidence", ["#evidence", "section.evidence"]); },
    d: function () { goTo("decide", ["#decision-form"], "select, input:not([type=hidden]), textarea"); },
    a: function () { goTo("approve", ["button.approve"]); },
    n: function () { press("next", ["#next-case", ".next-case-submit"]); },
    "?": openHelp
  };

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || help.open
        || typing(event.target)) {
      return;
    }
    var key = event.key;
    if (awaitingG && key === "q") {
      awaitingG = 0;
      event.preventDefault();
      window.location.assign(root.getAttribute("data-queue"));
      return;
    }
    awaitingG = 0;
    if (key === "g") {
      awaitingG = 1;
      window.setTimeout(function () { awaitingG = 0; }, 1500);
      return;
    }
    if (key === "Enter") {
      var active = document.activeElement;
      if (table && (!active || active === document.body || active.matches("tr")) && open()) {
        event.preventDefault();
      }  // on a link or a button Enter does what it always does
      return;
    }
    if (Object.prototype.hasOwnProperty.call(KEYS, key)) {
      event.preventDefault();
      KEYS[key]();
    }
  });

  if (table) {
    remember();
    document.addEventListener("abusedesk:rows", remember);
  }
})();
