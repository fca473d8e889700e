// Starts Swagger UI on /schema/swagger (api/assets.py). A file, not an inline script, so the
// docs page runs under a Content-Security-Policy that allows scripts from this host only.
"use strict";

const container = document.getElementById("swagger-container");
window.ui = SwaggerUIBundle({
  url: container.dataset.specUrl,
  dom_id: "#swagger-container",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  validatorUrl: null, // the default sends the schema to validator.swagger.io
});
