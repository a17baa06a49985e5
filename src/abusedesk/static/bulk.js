// Bulk selection (review/bulk.py): a "select all" box, a count of what is selected, a check before sending, and
// the selection kept when the live queue (live.js) replaces a row. Without script the forms work as they are: every
// row's box belongs to its bulk form through form="...", and "Select all on this page" is a link that loads the page
// again with the boxes ticked. Here that link ticks them in place. "All" means at most data-bulk-max boxes: the most
// one action takes (the server refuses more, saying so).
(function () {
  "use strict";

  function boxes(formId) {
    return Array.prototype.slice.call(document.querySelectorAll('input.bulk-pick[form="' + formId + '"]'));
  }

  function setUp(form) {
    var id = form.id;
    var max = Number(form.getAttribute("data-bulk-max")) || 500;
    var count = form.querySelector("[data-bulk-count]");
    var alls = Array.prototype.slice.call(document.querySelectorAll('input[data-bulk-all="' + id + '"]'));
    var chosen = new Set(boxes(id).filter(function (box) { return box.checked; }).map(function (box) {
      return box.value;
    }));

    function say(text, over) {
      if (count) {
        count.textContent = text;
        count.classList.toggle("bulk-over", Boolean(over));
      }
    }

    function update() {
      var list = boxes(id);
      var ticked = list.filter(function (box) { return box.checked; }).length;
      var over = ticked > max;
      say(ticked ? form.getAttribute("data-msg-count").replace("%(n)s", String(ticked)) +
          (over ? " " + form.getAttribute("data-msg-over") : "") : "", over);
      alls.forEach(function (all) {
        all.checked = ticked > 0 && ticked >= Math.min(list.length, max);
        all.indeterminate = ticked > 0 && !all.checked;
      });
    }

    function tickAll(on) {
      boxes(id).forEach(function (box, index) {
        box.checked = on && index < max;
        if (box.checked) {
          chosen.add(box.value);
        } else {
          chosen.delete(box.value);
        }
      });
      update();
    }

    alls.forEach(function (all) {
      all.hidden = false;
      var label = all.id ? document.querySelector('label[for="' + all.id + '"]') : null;
      if (label) {
        label.hidden = false;
      }
      all.addEventListener("change", function () { tickAll(all.checked); });
    });
    document.querySelectorAll('[data-bulk-all-link="' + id + '"]').forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        tickAll(true);
      });
    });
    document.addEventListener("change", function (event) {
      var box = event.target;
      if (box instanceof HTMLInputElement && box.classList.contains("bulk-pick") && box.getAttribute("form") === id) {
        if (box.checked) {
          chosen.add(box.value);
        } else {
          chosen.delete(box.value);
        }
        update();
      }
    });
    // The live queue replaces a changed row with a fresh copy (unticked): tick it again if it was chosen.
    document.addEventListener("abusedesk:rows", function () {
      boxes(id).forEach(function (box) { box.checked = chosen.has(box.value); });
      update();
    });
    form.addEventListener("submit", function (event) {
      var ticked = boxes(id).filter(function (box) { return box.checked; }).length;
      if (ticked === 0 || ticked > max) {
        event.preventDefault();
        say(ticked === 0 ? form.getAttribute("data-msg-none") : form.getAttribute("data-msg-over"), true);
      }
    });
    update();
  }

  function start() {
    document.querySelectorAll("form.bulk-bar[data-bulk-max]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
