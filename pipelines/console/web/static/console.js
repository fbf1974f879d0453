// The review console's own script: the CSRF header on htmx requests, and small progressive touches.
// Loaded from /static (the Content-Security-Policy forbids inline scripts).
(function () {
  "use strict";
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = csrfToken();
  });
  // Auto-submit filter controls that ask for it (the form still has a submit button without JS).
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.closest && target.closest("[data-autosubmit]")) {
      var form = target.form;
      if (form && form.requestSubmit) { form.requestSubmit(); }
    }
  });
})();
