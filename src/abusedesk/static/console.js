// Console timestamps in the viewer's own time zone. The server writes UTC; without script that stays.
(function () {
  "use strict";
  var format = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short"
  });
  document.querySelectorAll("time.when[datetime]").forEach(function (node) {
    var instant = new Date(node.getAttribute("datetime"));
    if (!isNaN(instant.getTime())) {
      node.textContent = format.format(instant);
    }
  });
})();
