// Show/Hide and Copy buttons of the Okta Setup Values (the only script of the portal).
"use strict";
document.addEventListener("click", function (event) {
  const button = event.target.closest("button[data-show], button[data-copy]");
  if (!button) return;
  if (button.dataset.show) {
    const field = document.getElementById(button.dataset.show);
    const hidden = field.type === "password";
    field.type = hidden ? "text" : "password";
    button.textContent = hidden ? "Hide" : "Show";
    return;
  }
  const field = document.getElementById(button.dataset.copy);
  const done = function () {
    button.textContent = "Copied";
    setTimeout(function () { button.textContent = "Copy"; }, 2000);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(field.value).then(done, function () { button.textContent = "Copy failed"; });
  } else {
    // Plain-http pages on another host have no clipboard API: copy through a selection.
    const type = field.type;
    field.type = "text";
    field.select();
    document.execCommand("copy");
    field.type = type;
    done();
  }
});
