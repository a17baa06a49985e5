// Reviewer wellness: "Show image" reveals one evidence image in place and tells the server (which counts it as
// an exposure this shift); pressed again it blurs the image again, without a request. Without script the same
// button posts the form and the next page shows that one image unblurred, once. A reload is blurred again.
(function () {
  "use strict";
  function setShown(figure, button, shown) {
    figure.classList.toggle("is-blurred", !shown);
    button.setAttribute("aria-pressed", shown ? "true" : "false");
    button.value = shown ? "0" : "1";
    var hint = figure.querySelector(".wellness-hint");
    if (hint && button.dataset.shownHint && button.dataset.blurredHint) {
      hint.textContent = shown ? button.dataset.shownHint : button.dataset.blurredHint;
    }
  }
  function record(form) {
    var data = new FormData(form);
    data.set("reveal", "1");
    return fetch(form.action, {
      method: "POST", body: data, credentials: "same-origin",
      headers: {"X-Requested-With": "fetch", "Accept": "application/json"}
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (answer) {
      var count = document.getElementById("wellness-count");
      if (answer && count && typeof answer.total === "number") {
        count.textContent = String(answer.total);
      }
    }).catch(function () { /* the image is shown either way; the count catches up on the next page */ });
  }
  document.querySelectorAll("form.wellness-reveal").forEach(function (form) {
    var figure = form.closest(".wellness-media");
    var button = form.querySelector(".wellness-toggle");
    if (!figure || !button) {
      return;
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var show = button.getAttribute("aria-pressed") !== "true";
      setShown(figure, button, show);
      if (show) {
        record(form);
      }
    });
  });
})();
