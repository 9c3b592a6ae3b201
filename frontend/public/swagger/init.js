// Starts Swagger UI for /docs from a file (no inline script), reading the schema URL from the page.
;(function () {
  var root = document.getElementById('swagger-ui')
  window.ui = window.SwaggerUIBundle({
    url: root.getAttribute('data-openapi-url'),
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    // validatorUrl null: the online validator badge would call an outside host
    validatorUrl: null,
  })
})()
