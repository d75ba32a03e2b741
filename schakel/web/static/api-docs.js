/*
 * Starts the vendored Swagger UI on the API docs page (no CDN, no inline script).
 * The container names the OpenAPI document: <div id="swagger-ui"
 * data-openapi-url="/api/v1/openapi.json">. "Try it out" requests reuse the
 * session cookie, so they also carry the CSRF token from <meta name="csrf-token">.
 */
(function () {
  "use strict";

  function start() {
    var node = document.getElementById("swagger-ui");
    if (!node || typeof window.SwaggerUIBundle !== "function") {
      return;
    }
    var url = node.getAttribute("data-openapi-url");
    if (!url) {
      return;
    }
    var meta = document.querySelector('meta[name="csrf-token"]');
    var token = meta ? meta.getAttribute("content") || "" : "";
    window.SwaggerUIBundle({
      url: url,
      domNode: node,
      deepLinking: true,
      presets: [window.SwaggerUIBundle.presets.apis],
      layout: "BaseLayout",
      docExpansion: "list",
      defaultModelsExpandDepth: 0,
      validatorUrl: null, // never call the public validator service
      requestInterceptor: function (request) {
        var target = new URL(request.url, window.location.href);
        if (token && target.origin === window.location.origin) {
          request.headers["X-CSRF-Token"] = token;
        }
        return request;
      },
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
