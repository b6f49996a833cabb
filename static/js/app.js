/* Kituo front-end behaviour. No inline scripts anywhere (CSP script-src 'self'). */
(function () {
  "use strict";

  // Quick exit: the button, or Shift pressed three times within 1.5 s,
  // replaces this page with a neutral one (no Back to return here) and
  // ends the session on the server.
  function quickExit() {
    var body = document.body;
    var target = body.getAttribute("data-quick-exit");
    if (!target) { return; }
    try {
      var form = new FormData();
      form.append("csrf_token", body.getAttribute("data-csrf") || "");
      navigator.sendBeacon(body.getAttribute("data-logout-url"), form);
    } catch (e) { /* leaving matters more than signing out */ }
    document.title = "";
    document.body.innerHTML = "";
    window.location.replace(target);
  }

  var shiftTimes = [];
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Shift" || event.repeat) { return; }
    var now = Date.now();
    shiftTimes = shiftTimes.filter(function (t) { return now - t < 1500; });
    shiftTimes.push(now);
    if (shiftTimes.length >= 3) { quickExit(); }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("#quick-exit");
    if (button) { event.preventDefault(); quickExit(); }
  });

  // Confirm dangerous actions: <form data-confirm="Are you sure?">
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });

  // A table wider than the screen scrolls sideways in its .table-scroll
  // box: such a box must be reachable with the keyboard (Tab, then arrow
  // keys), named after its table's caption or the heading above it.
  function scrollableTables() {
    var boxes = document.querySelectorAll(".table-scroll");
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      if (box.scrollWidth > box.clientWidth + 1) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        if (!box.hasAttribute("aria-label")) {
          var caption = box.querySelector("caption");
          var section = box.closest("section, article");
          var heading = caption || (section && section.querySelector("h1, h2, h3"));
          if (heading) { box.setAttribute("aria-label", heading.textContent.trim()); }
        }
      } else if (box.getAttribute("tabindex") === "0") {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
      }
    }
  }
  document.addEventListener("DOMContentLoaded", scrollableTables);
  document.addEventListener("htmx:afterSettle", scrollableTables);
  window.addEventListener("resize", scrollableTables);
})();
