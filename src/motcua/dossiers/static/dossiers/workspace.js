// The staff workspace: keyboard shortcuts (/ search, j/k rows, Enter opens, ? help), the
// dossier page's HTMX answers (errors and 409 are shown, not dropped) and focus after them,
// and "Thêm dòng" of the supplement form. Everything works without it, only slower.
(function () {
  "use strict";

  var SHOWN_ERRORS = [400, 403, 404, 409];

  // HTMX drops 4xx answers by default; the dossier page's answers carry the message and the
  // fresh state, so they replace the page section like a success does.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (target && target.id === "dossier-body" && SHOWN_ERRORS.indexOf(event.detail.xhr.status) >= 0) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // After an action, take the keyboard (and a screen reader) to what changed: the first field
  // in error, else the message.
  function focusOutcome(root) {
    var invalid = root.querySelector("[aria-invalid='true']");
    var target = invalid || root.querySelector("[data-focus-on-load]");
    if (target) {
      var details = target.closest("details");
      if (details) {
        details.open = true;
      }
      target.focus();
    }
    showAddButtons(root);
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var body = document.getElementById("dossier-body");
    if (body && event.detail.target && event.detail.target.id === "dossier-body") {
      focusOutcome(body);
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var body = document.getElementById("dossier-body");
    if (body) {
      focusOutcome(body);
    }
  });

  // --- Keyboard shortcuts ---------------------------------------------------------------------

  function isTyping(element) {
    if (!element) {
      return false;
    }
    var tag = element.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || element.isContentEditable;
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-rows] [data-row]"));
  }

  function moveRow(step) {
    var all = rows();
    if (!all.length) {
      return;
    }
    var current = all.findIndex(function (row) {
      return row.classList.contains("is-current");
    });
    var next = current < 0 ? (step > 0 ? 0 : all.length - 1) : current + step;
    next = Math.max(0, Math.min(all.length - 1, next));
    all.forEach(function (row) {
      row.classList.remove("is-current");
    });
    all[next].classList.add("is-current");
    var link = all[next].querySelector("[data-row-link]");
    if (link) {
      // Enter on the focused link opens the dossier, as a click would.
      link.focus();
    }
  }

  function focusSearch() {
    var box = document.getElementById("id_q") || document.querySelector("[data-shortcut-search]");
    if (box) {
      box.focus();
      box.select();
    }
  }

  function openShortcuts() {
    var dialog = document.getElementById("shortcuts");
    if (dialog && !dialog.open && typeof dialog.showModal === "function") {
      dialog.showModal();
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    if (isTyping(event.target) || document.querySelector("dialog[open]")) {
      return;
    }
    if (event.key === "/") {
      event.preventDefault();
      focusSearch();
    } else if (event.key === "j") {
      event.preventDefault();
      moveRow(1);
    } else if (event.key === "k") {
      event.preventDefault();
      moveRow(-1);
    } else if (event.key === "?") {
      event.preventDefault();
      openShortcuts();
    }
  });

  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-shortcuts-open]");
    if (opener) {
      openShortcuts();
      return;
    }
    var add = event.target.closest("[data-repeat-add]");
    if (add) {
      addRow(add.closest("[data-repeat]"));
    }
  });

  // --- Repeated rows of the supplement form -----------------------------------------------------

  function showAddButtons(root) {
    root.querySelectorAll("[data-repeat-add]").forEach(function (button) {
      button.hidden = false;
    });
  }

  function addRow(group) {
    var all = group.querySelectorAll("[data-repeat-row]");
    var last = all[all.length - 1];
    var index = all.length;
    var copy = last.cloneNode(true);
    copy.querySelectorAll(".field-error").forEach(function (error) {
      error.remove();
    });
    copy.querySelectorAll(".has-error").forEach(function (field) {
      field.classList.remove("has-error");
    });
    copy.querySelectorAll("input, select").forEach(function (input) {
      input.value = "";
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
      input.id = input.id.replace(/-\d+-(\w+)$/, "-" + index + "-$1");
    });
    copy.querySelectorAll("label").forEach(function (label) {
      var target = label.getAttribute("for");
      label.setAttribute("for", target.replace(/-\d+-(\w+)$/, "-" + index + "-$1"));
      label.textContent = label.textContent.replace(/\d+(?=\)\s*$)/, String(index + 1));
    });
    last.after(copy);
    var first = copy.querySelector("select, input");
    if (first) {
      first.focus();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    showAddButtons(document);
  });
})();
