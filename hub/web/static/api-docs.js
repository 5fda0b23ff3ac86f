// The API documentation (/schema): RapiDoc leaves two of its selectors without a name, which a
// screen reader then announces as just "combo box" (axe: select-name). This names them, inside
// RapiDoc's (open) shadow roots, once the document is rendered and after every click (a tab shown).
"use strict";
(function () {
  function name(root) {
    root.querySelectorAll("select:not([aria-label])").forEach(function (select) {
      var mediaTypes = Array.prototype.every.call(select.options, function (o) {
        return o.value.indexOf("/") > 0;
      });
      select.setAttribute("aria-label", mediaTypes ? "Request body media type" : "Request body example");
    });
    root.querySelectorAll("*").forEach(function (element) {
      if (element.shadowRoot) name(element.shadowRoot);
    });
  }
  function soon() {
    var frames = 0;
    (function again() {
      name(document);
      if (++frames < 30) requestAnimationFrame(again);
    })();
  }
  document.addEventListener("DOMContentLoaded", function () {
    var docs = document.querySelector("rapi-doc");
    docs.addEventListener("spec-loaded", soon);
    docs.addEventListener("click", soon);
  });
})();
