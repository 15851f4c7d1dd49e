// Typeset every .math element with KaTeX (no delimiter scanning: text from a spec is never read
// as math), then shrink any equation wider than its column so nothing is cut at the margin.
(function () {
  var errors = [];
  document.querySelectorAll(".math").forEach(function (el) {
    var tex = el.textContent;
    try {
      katex.render(tex, el, { displayMode: el.classList.contains("display"), throwOnError: true,
                              fleqn: true, output: "html" });
    } catch (e) {
      errors.push(String(e.message || e));
      el.classList.add("ws-error");
    }
  });
  function fit() {
    var shrunk = 0;
    document.querySelectorAll(".math.display").forEach(function (el) {
      el.style.fontSize = "";
      for (var i = 0; i < 6 && el.scrollWidth > el.clientWidth + 1; i++) {
        var scale = Math.max(0.5, (el.clientWidth / el.scrollWidth) * 0.98);
        el.style.fontSize = ((parseFloat(el.style.fontSize) || 1) * scale).toFixed(3) + "em";
        shrunk++;
      }
    });
    return shrunk;
  }
  function overflowing() {
    var bad = 0, width = document.body.getBoundingClientRect().right;
    document.querySelectorAll(".math.display").forEach(function (el) {
      if (el.scrollWidth > el.clientWidth + 1 || el.getBoundingClientRect().right > width + 1) bad++;
    });
    return bad;
  }
  window.worksheetFit = function () { fit(); return overflowing(); };
  window.worksheetErrors = errors;
  document.fonts.ready.then(function () { fit(); document.body.dataset.math = "done"; });
})();
