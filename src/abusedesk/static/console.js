// Console timestamps in the viewer's own time zone. The server writes UTC; without script that stays.
// Fragments marked data-poll="URL" (a site assessment run in progress on the case page) are fetched again from
// that URL every data-poll-seconds and replaced; the new fragment keeps polling only while it still has data-poll.
(function () {
  "use strict";
  // In the page's language (the console's, chosen in its header), in the viewer's own zone.
  var format = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
    year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short"
  });

  function localTimes(root) {
    root.querySelectorAll("time.when[datetime]").forEach(function (node) {
      var instant = new Date(node.getAttribute("datetime"));
      if (!isNaN(instant.getTime())) {
        node.textContent = format.format(instant);
      }
    });
  }

  function poll(node) {
    var seconds = Math.max(2, Number(node.getAttribute("data-poll-seconds")) || 5);
    window.setTimeout(function () {
      fetch(node.getAttribute("data-poll"), {credentials: "same-origin", headers: {"Accept": "text/html"}})
        .then(function (response) {
          if (!response.ok) {
            return null;  // logged out, or the case is gone: stop, the page itself says what is wrong
          }
          return response.text().then(function (html) {
            var holder = document.createElement("div");
            holder.innerHTML = html;  // the server's own escaped template, same origin
            var fresh = holder.querySelector("#" + node.id);
            if (fresh) {
              node.replaceWith(fresh);
              localTimes(fresh);
              if (fresh.hasAttribute("data-poll")) {
                poll(fresh);
              }
            }
          });
        })
        .catch(function () {
          poll(node);  // the network failed: try again after the same wait
        });
    }, seconds * 1000);
  }

  localTimes(document);
  document.querySelectorAll("[data-poll][id]").forEach(poll);
})();
