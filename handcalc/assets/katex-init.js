// Typeset the site's math with KaTeX (served from the site itself, no network).
// The handcalc MkDocs plugin loads this after katex.min.js and auto-render, with any theme.
//
// pymdownx.arithmatex (generic mode) wraps every formula in an element of class
// "arithmatex" holding \( … \) or \[ … \].  Only those elements are handed to KaTeX's
// auto-render, so text from a spec (a title with "$" or "\(" in it) is never read as math.
// With Material, whose instant navigation swaps pages without reloading the scripts,
// document$ emits for every page shown, so each new page is typeset too; with any other
// theme the page is typeset once it is parsed.
(function () {
  var options = {
    delimiters: [
      { left: "\\(", right: "\\)", display: false },
      { left: "\\[", right: "\\]", display: true }
    ],
    throwOnError: false,
    trust: false
  };

  // Math inside a closed fold (<details>, except its title) waits until the fold is opened,
  // or until the page is printed: big examples fold hundreds of element-wise equations.
  function folded(el) {
    for (var d = el.closest("details"); d; d = d.parentElement && d.parentElement.closest("details")) {
      var title = d.querySelector(":scope > summary");
      if (!d.open && !(title && title.contains(el))) return true;
    }
    return false;
  }

  function render(root, all) {
    var blocks = root.querySelectorAll(".arithmatex:not([data-typeset])");
    for (var i = 0; i < blocks.length; i++) {
      if (!all && folded(blocks[i])) continue;
      blocks[i].dataset.typeset = "";
      renderMathInElement(blocks[i], options);
    }
  }

  function typeset(root) {
    var start = performance.now();
    render(root, false);
    document.documentElement.dataset.mathMs = String(Math.round(performance.now() - start));
    document.documentElement.dataset.mathDone = "true";
  }

  document.addEventListener("toggle", function (e) {
    if (e.target.open) render(e.target, false);
  }, true);
  window.addEventListener("beforeprint", function () { render(document.body, true); });

  // A fold the reader opens is marked (and unmarked when closed): printing keeps the folds
  // the reader opened and leaves the others out (handcalc.css), although Material opens
  // every fold for printing.
  document.addEventListener("click", function (e) {
    var title = e.target.closest ? e.target.closest("summary") : null;
    var fold = title && title.parentElement;
    if (!fold || fold.tagName !== "DETAILS") return;
    if (fold.open) delete fold.dataset.hcOpened; else fold.dataset.hcOpened = "";
  }, true);

  function start() {
    if (window.document$ && typeof window.document$.subscribe === "function") {
      window.document$.subscribe(function (doc) {
        typeset(doc && doc.body ? doc.body : document.body);
      });
    } else {
      typeset(document.body);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
