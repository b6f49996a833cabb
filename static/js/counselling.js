/* Counselling pages: the print button of tomorrow's list (no inline script: CSP). */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-print]");
    if (button) { window.print(); }
  });
})();
