// The draft page's autosave (HTMX): show the 409 answer ("saved elsewhere") in the status line
// instead of dropping it, as HTMX does with error answers by default.
document.addEventListener("htmx:beforeSwap", function (event) {
  var target = event.detail.target;
  if (target && target.id === "autosave-status" && event.detail.xhr.status >= 400) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// Move the focus to the error summary, so that a screen-reader user hears what is wrong.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
});
