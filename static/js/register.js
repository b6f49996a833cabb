/* The attendance register (templates/education/_register*.html): each tap
   is saved at once by htmx; while it travels the tapped button is marked
   pending and the row says "Saving…"; the saved row then comes back from
   the server. When the Wi-Fi drops the row says "Not saved" (the buttons
   still show what was saved before) and "Try again" sends the same tap
   again. No inline scripts (CSP). */
(function () {
  "use strict";

  function rowOf(element) {
    return element && element.closest ? element.closest(".register-row") : null;
  }

  // Remember which mark was tapped (before htmx sends it).
  document.addEventListener("click", function (event) {
    var mark = event.target.closest && event.target.closest(".register-row .mark");
    if (!mark) { return; }
    var row = rowOf(mark);
    row.querySelectorAll(".mark[data-pending]").forEach(function (b) {
      b.removeAttribute("data-pending");
    });
    mark.setAttribute("data-pending", "true");
    row._lastTap = mark;
  }, true);

  document.addEventListener("htmx:beforeRequest", function (event) {
    var row = rowOf(event.detail.elt);
    var register = event.detail.elt.closest && event.detail.elt.closest(".register");
    if (row) {
      row.setAttribute("data-state", "saving");
    } else if (register) {
      register.setAttribute("data-state", "saving");
    }
  });

  function failed(event) {
    var row = rowOf(event.detail.elt);
    if (row) {
      row.setAttribute("data-state", "failed");
      return;
    }
    var register = event.detail.elt.closest && event.detail.elt.closest(".register");
    if (register) { register.setAttribute("data-state", "failed"); }
  }
  document.addEventListener("htmx:sendError", failed);
  document.addEventListener("htmx:timeout", failed);
  document.addEventListener("htmx:responseError", function (event) {
    if (event.detail.xhr && event.detail.xhr.status === 422) { return; }
    failed(event);
  });

  // A refused tap (422) comes back as the row with its message: show it.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 422 && rowOf(event.detail.elt)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("click", function (event) {
    var retry = event.target.closest && event.target.closest(".register-row .retry");
    if (!retry) { return; }
    var row = rowOf(retry);
    if (row._lastTap) { row._lastTap.click(); }   // the same tap again, as the trainer made it
  });
})();
