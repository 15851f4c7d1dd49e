// Typeset the site's math with KaTeX (served from the site itself, no network).
//
// pymdownx.arithmatex (generic mode) wraps every formula in an element of class
// "arithmatex" holding \( … \) or \[ … \].  Only those elements are handed to KaTeX's
// auto-render, so text from a spec (a title with "$" or "\(" in it) is never read as math.
// Material's instant navigation swaps pages without reloading the scripts: document$
// emits for every page shown, so each new page is typeset too.
(function () {
  var options = {
    delimiters: [
      { left: "\\(", right: "\\)", display: false },
      { left: "\\[", right: "\\]", display: true }
    ],
    throwOnError: false,
    trust: false
  };

  function typeset(root) {
    var start = performance.now();
    var blocks = root.querySelectorAll(".arithmatex");
    for (var i = 0; i < blocks.length; i++) {
      renderMathInElement(blocks[i], options);
    }
    document.documentElement.dataset.mathMs = String(Math.round(performance.now() - start));
    document.documentElement.dataset.mathDone = "true";
  }

  document$.subscribe(function (doc) {
    typeset(doc && doc.body ? doc.body : document.body);
  });
})();
