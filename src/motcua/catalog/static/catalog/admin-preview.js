// htmx in the admin (the form-schema live preview): the Content-Security-Policy forbids inline
// styles and eval, so turn off the features that need them, as base.html's htmx-config does.
if (window.htmx) {
  window.htmx.config.includeIndicatorStyles = false;
  window.htmx.config.allowEval = false;
  window.htmx.config.allowScriptTags = false;
  window.htmx.config.selfRequestsOnly = true;
}
