/*
 * Schakel page behaviour. Loaded with `defer` on every page, after htmx.
 *
 * The Content-Security-Policy forbids inline script, so every behaviour a page
 * needs is wired here from data attributes:
 *   - every htmx request carries the CSRF token from <meta name="csrf-token">
 *     in the X-CSRF-Token header;
 *   - buttons with `data-print` print the page (the verantwoording of a share
 *     decision has a print stylesheet);
 *   - a failed htmx request shows the element with `data-htmx-error` (its text
 *     comes from the template, so it is translated), and an expired session
 *     (401) sends the user to the log-in page given by <body data-login-url>.
 */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") || "" : "";
  }

  // htmx fires its events on the element and they bubble to the document.
  document.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (token) {
      event.detail.headers["X-CSRF-Token"] = token;
    }
  });

  function showHtmxError() {
    var box = document.querySelector("[data-htmx-error]");
    if (box) {
      box.hidden = false;
    }
  }

  function hideHtmxError() {
    var box = document.querySelector("[data-htmx-error]");
    if (box) {
      box.hidden = true;
    }
  }

  document.addEventListener("htmx:beforeRequest", hideHtmxError);
  document.addEventListener("htmx:sendError", showHtmxError);
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail && event.detail.xhr;
    if (xhr && xhr.status === 401) {
      var login = (document.body && document.body.getAttribute("data-login-url")) || "/login";
      var next = window.location.pathname + window.location.search;
      window.location.assign(login + "?next=" + encodeURIComponent(next));
      return;
    }
    showHtmxError();
  });

  function wirePrintButtons(root) {
    var buttons = root.querySelectorAll("[data-print]");
    for (var i = 0; i < buttons.length; i += 1) {
      var button = buttons[i];
      if (button.getAttribute("data-print-wired") === "true") {
        continue;
      }
      button.setAttribute("data-print-wired", "true");
      button.hidden = false; // print buttons are hidden until JS can serve them
      button.addEventListener("click", function (event) {
        event.preventDefault();
        window.print();
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    wirePrintButtons(document);
  });
  // Content swapped in by htmx may bring its own print buttons.
  document.addEventListener("htmx:afterSettle", function (event) {
    wirePrintButtons(event.target instanceof Element ? event.target : document);
  });
})();
