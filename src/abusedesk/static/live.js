// Live console (review/live.py). The server sends small events — an audit event id, a kind, a case's id, reference,
// severity and status, a claimant's username — never report text. This script reads them from a server-sent-event
// stream (or, without EventSource, by polling the JSON feed) and:
// - on the queue: refreshes the rows of cases that changed (fetched again from this page's own URL) and counts new
//   cases in a bar with a button to show them (rows are not inserted under the analyst's cursor);
// - on a case page: updates the severity badge and the claim panel, and says what changed, with a reload button;
// - everywhere: refreshes the S0 banner when a page is raised or acknowledged.
// Events the page already showed when it was drawn (id <= data-upto) refresh what they touch but are not announced.
(function () {
  "use strict";
  var root = document.getElementById("live");
  if (!root) {
    return;
  }
  var POLL_MS = 10000;
  var seen = new Set();
  var upto = Number(root.getAttribute("data-upto")) || 0;
  var cursor = root.getAttribute("data-cursor") || "";
  var text = document.getElementById("live-text");
  var action = document.getElementById("live-action");
  var table = document.getElementById("queue");
  var heading = document.querySelector("[data-live-case]");
  var caseId = heading ? Number(heading.getAttribute("data-live-case")) : null;
  var newCases = new Set();
  var staleRows = new Set();
  var timers = {};

  function message(name, values) {
    var template = root.getAttribute("data-msg-" + name) || "";
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return values && Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  function say(words, label, onClick) {
    text.textContent = words;
    text.parentNode.classList.toggle("active", Boolean(words));
    action.hidden = !label;
    action.textContent = label || "";
    action.onclick = label ? onClick : null;
  }

  function reload() {
    window.location.reload();
  }

  function later(name, run) {  // one refresh for a burst of events
    if (!timers[name]) {
      timers[name] = window.setTimeout(function () {
        timers[name] = null;
        run();
      }, 300);
    }
  }

  function fetchDocument(url) {
    return fetch(url, {credentials: "same-origin", headers: {"Accept": "text/html"}}).then(function (response) {
      if (!response.ok || response.redirected) {
        return null;  // signed out or gone: leave the page as it is
      }
      return response.text().then(function (html) {
        return new DOMParser().parseFromString(html, "text/html");  // our own escaped templates; nothing runs
      });
    });
  }

  function keepFocus(oldNode, newNode) {
    var active = document.activeElement;
    var hadFocus = active && oldNode.contains(active);
    var focusId = hadFocus ? active.id : "";
    var wasLink = hadFocus && active.matches("a[href]");
    oldNode.replaceWith(newNode);
    if (focusId && document.getElementById(focusId)) {
      document.getElementById(focusId).focus();
    } else if (wasLink && newNode.querySelector("a[href]")) {
      newNode.querySelector("a[href]").focus();
    }
  }

  // -- the queue --------------------------------------------------------------------------------------------
  function row(id) {
    return table.querySelector('tr[data-case-id="' + Number(id) + '"]');
  }

  function keepChoices(oldRow, newRow) {  // a ticked box (bulk selection) stays ticked in the fresh row
    oldRow.querySelectorAll("input[type=checkbox], input[type=radio]").forEach(function (box) {
      newRow.querySelectorAll("input[type=checkbox], input[type=radio]").forEach(function (twin) {
        if (twin.name === box.name && twin.value === box.value) {
          twin.checked = box.checked;
        }
      });
    });
  }

  function refreshRows() {
    var ids = Array.from(staleRows);
    staleRows.clear();
    fetchDocument(window.location.href).then(function (doc) {
      if (!doc) {
        return;
      }
      ids.forEach(function (id) {
        var old = row(id);
        var fresh = doc.querySelector('#queue tr[data-case-id="' + Number(id) + '"]');
        if (!old) {
          return;
        }
        if (fresh) {
          var adopted = document.importNode(fresh, true);
          adopted.classList.toggle("key-current", old.classList.contains("key-current"));
          keepChoices(old, adopted);
          keepFocus(old, adopted);
        } else {
          old.classList.add("live-gone");  // left this view (closed, or another page now): kept until reload
        }
      });
      document.dispatchEvent(new CustomEvent("abusedesk:rows"));
    }).catch(function () { /* the next change tries again */ });
  }

  function onQueue(event, announce) {
    if (row(event.case)) {
      staleRows.add(event.case);
      later("rows", refreshRows);
    } else if (event.kind === "opened" && announce) {
      newCases.add(event.case);
      say(message("new", {n: newCases.size}), message("show"), function () {
        window.location.assign(table.getAttribute("data-first-page") || window.location.pathname);
      });
    }
  }

  // -- a case page ------------------------------------------------------------------------------------------
  function refreshClaim() {
    var url = heading.getAttribute("data-live-claim");
    var panel = document.getElementById("claim-panel");
    if (!url || !panel) {
      return;
    }
    fetchDocument(url).then(function (doc) {
      var fresh = doc && doc.getElementById("claim-panel");
      var current = document.getElementById("claim-panel");
      if (fresh && current) {
        keepFocus(current, document.importNode(fresh, true));
      }
    }).catch(function () { /* the next change tries again */ });
  }

  function onCase(event, announce) {
    var badge = heading.querySelector(".badge");
    if (badge && /^S[0-3]$/.test(event.severity)) {
      badge.textContent = event.severity;
      badge.className = "badge sev-" + event.severity;
    }
    var values = {ref: event.ref, name: event.claimant, severity: event.severity};
    if (event.kind === "claimed" || event.kind === "released") {
      later("claim", refreshClaim);
      if (announce) {
        say(message(event.kind, values));
      }
    } else if (announce) {
      var name = {severity: "severity", closed: "closed"}[event.kind] || "changed";
      say(message(name, values), message("reload"), reload);
    }
  }

  // -- the S0 banner ----------------------------------------------------------------------------------------
  function refreshBanners() {
    fetchDocument(root.getAttribute("data-banners")).then(function (doc) {
      var holder = document.getElementById("s0-banners");
      if (doc && holder) {
        holder.replaceChildren.apply(holder, Array.from(doc.body.childNodes).map(function (node) {
          return document.importNode(node, true);
        }));
      }
    }).catch(function () { /* the next change tries again */ });
  }

  // -- events -----------------------------------------------------------------------------------------------
  function handle(data) {
    cursor = String(data.cursor);
    (data.events || []).forEach(function (event) {
      if (seen.has(event.id)) {
        return;
      }
      seen.add(event.id);
      var announce = event.id > upto;
      if (table) {
        onQueue(event, announce);
      }
      if (heading && event.case === caseId) {
        onCase(event, announce);
      }
      if (event.kind === "paged" || event.kind === "acknowledged") {
        later("banners", refreshBanners);
      }
    });
    if (data.more && table) {
      say(message("many"), message("reload"), reload);
    }
    if (seen.size > 5000) {  // ids at or below the cursor are never sent again
      seen.forEach(function (id) {
        if (id <= Number(cursor)) {
          seen.delete(id);
        }
      });
    }
  }

  function stopped() {
    say(message("stopped"), message("reload"), reload);
  }

  function poll() {
    fetch(root.getAttribute("data-feed") + "?since=" + encodeURIComponent(cursor),
          {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (response.status >= 500) {
          window.setTimeout(poll, POLL_MS * 3);
          return;
        }
        if (!response.ok || type.indexOf("application/json") !== 0) {
          stopped();  // signed out (the login page came back) or refused
          return;
        }
        return response.json().then(function (data) {
          handle(data);
          window.setTimeout(poll, data.more ? 0 : POLL_MS);
        });
      })
      .catch(function () {
        window.setTimeout(poll, POLL_MS * 3);  // the network failed: try again later
      });
  }

  function listen() {
    if (!window.EventSource) {
      poll();
      return;
    }
    var source = new EventSource(root.getAttribute("data-stream") + "?since=" + encodeURIComponent(cursor));
    source.addEventListener("changes", function (event) {
      handle(JSON.parse(event.data));
    });
    source.addEventListener("bye", function (event) {
      if (JSON.parse(event.data).reason === "signed out") {
        source.close();
        stopped();
      }  // otherwise the stream ends and EventSource reconnects from the last cursor by itself
    });
    source.onerror = function () {
      if (source.readyState === EventSource.CLOSED) {  // refused for good (e.g. the login page came back)
        source.close();
        poll();
      }
    };
  }

  listen();
})();
