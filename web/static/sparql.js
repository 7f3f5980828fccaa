// The SPARQL query page: a CodeMirror editor over the form's textarea, and example links
// that load into the editor; after a run, the address bar shows the results' shareable
// URL. Without JavaScript the plain form and links work the same.
(function () {
  "use strict";
  function shareable() {
    // The form POSTs (a long query fits no address bar limit); show the GET twin instead.
    var link = document.getElementById("sparql-share-link");
    if (link && window.history && window.history.replaceState) {
      window.history.replaceState(null, "", link.href);
    }
  }
  function start() {
    shareable();
    var area = document.getElementById("sparql-query");
    if (!area || typeof window.CodeMirror === "undefined") { return; }
    var editor = window.CodeMirror.fromTextArea(area, {
      mode: "application/sparql-query", lineNumbers: true, matchBrackets: true,
      indentUnit: 2, viewportMargin: Infinity
    });
    // The editor replaces the labelled textarea: name its input and let keyboards scroll it.
    editor.getInputField().setAttribute("aria-label", "SPARQL query");
    editor.getScrollerElement().setAttribute("tabindex", "0");
    editor.setOption("extraKeys", {
      "Ctrl-Enter": function () { editor.save(); area.form.submit(); },
      "Cmd-Enter": function () { editor.save(); area.form.submit(); }
    });
    var links = document.querySelectorAll("a.sparql-example");
    Array.prototype.forEach.call(links, function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        editor.setValue(link.getAttribute("data-query"));
        editor.focus();
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
