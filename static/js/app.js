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
    if (button) { event.preventDefault(); quickExit(); return; }
    stayOneHistoryEntry(event);
  });

  // On a member's pages (those with quick exit), moving between pages
  // replaces the history entry instead of adding one: the visit stays one
  // entry, which quick exit then replaces with the neutral page, so Back
  // leads to what was open before Kituo.
  function stayOneHistoryEntry(event) {
    if (!document.body.hasAttribute("data-quick-exit") || event.defaultPrevented) { return; }
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) { return; }
    var link = event.target.closest && event.target.closest("a[href]");
    if (!link || link.target || link.hasAttribute("download") || link.hasAttribute("hx-get")) { return; }
    var url = new URL(link.href, window.location.href);
    if (url.origin !== window.location.origin || url.hash && url.pathname === window.location.pathname) { return; }
    event.preventDefault();
    window.location.replace(url.href);
  }


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

  // Forms on those pages (and the sign-in page before them) do the same: a
  // GET form replaces the entry; a POST is sent in the background and its
  // answer (the page after the redirect, or the form with its errors) takes
  // the place of this page, under the address it belongs to.
  function oneEntryPage() {
    return document.body.hasAttribute("data-quick-exit") || document.body.hasAttribute("data-one-entry");
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!oneEntryPage() || event.defaultPrevented || form.target || form.hasAttribute("hx-post")
        || form.hasAttribute("hx-get")) { return; }
    var method = (form.getAttribute("method") || "get").toLowerCase();
    var url = new URL(form.getAttribute("action") || window.location.href, window.location.href);
    if (url.origin !== window.location.origin) { return; }
    var data = new FormData(form);
    if (event.submitter && event.submitter.name) { data.append(event.submitter.name, event.submitter.value); }
    event.preventDefault();
    if (method === "get") {
      url.search = new URLSearchParams(data).toString();
      window.location.replace(url.href);
      return;
    }
    var here = window.location.href;
    fetch(url.href, { method: "POST", body: data, credentials: "same-origin",
                      headers: { "X-CSRFToken": document.body.getAttribute("data-csrf") || "" } })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("text/html") !== 0) { window.location.replace(response.url); return null; }
        return response.text().then(function (html) {
          history.replaceState(null, "", response.redirected ? response.url : here);
          document.open();
          document.write(html);
          document.close();
        });
      })
      .catch(function () { form.submit(); });
  });

  // Copy buttons: <button data-copy="input-id" data-copied="Copied">
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) { return; }
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) { return; }
    field.select();
    var done = function () { button.textContent = button.getAttribute("data-copied") || button.textContent; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
    } else {
      document.execCommand("copy");
      done();
    }
  });

  // The section menu folds behind its "Menu" button on a phone: closed
  // there when the page opens, always open on a wider screen.
  function compactMenu() {
    var menu = document.querySelector(".module-nav details");
    if (!menu) { return; }
    var phone = window.matchMedia("(max-width: 600px)");
    var fit = function () { menu.open = !phone.matches; };
    fit();
    if (phone.addEventListener) { phone.addEventListener("change", fit); }
  }
  document.addEventListener("DOMContentLoaded", compactMenu);

  // A printed document opens by itself when it is ready (jobs/_progress.html;
  // the server stops asking once it was opened, so Back shows the page).
  function openWhenReady() {
    var link = document.querySelector("[data-open-when-ready]");
    if (link) { window.location.assign(link.href); }
  }
  document.addEventListener("DOMContentLoaded", openWhenReady);
  document.addEventListener("htmx:afterSettle", openWhenReady);
})();
