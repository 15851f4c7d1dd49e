// Typeset every .math element with KaTeX (no delimiter scanning: text from a spec is never read
// as math), then shrink any equation wider than its column so nothing is cut at the margin.
// A formula that occurs again (the teacher's key repeats every line's symbol in each variant)
// reuses the markup KaTeX made the first time.
// The faces nearly every formula uses are loaded before typesetting, so the page is laid out
// once with its real fonts rather than once with stand-ins and again when the fonts arrive
// (any other face is still waited for through document.fonts.ready).
(function () {
  var faces = ["1em KaTeX_Main", "italic 1em KaTeX_Math", "1em KaTeX_Size1", "1em KaTeX_Size2",
               "1em KaTeX_Size3", "1em KaTeX_Size4"];
  var loads = faces.map(function (f) { return document.fonts.load(f); });
  Promise.all(loads).then(typeset, typeset);

  function typeset() {
    var errors = [];
    var made = new Map();
    document.querySelectorAll(".math").forEach(function (el) {
      var display = el.classList.contains("display");
      var tex = el.textContent;
      var key = (display ? "D" : "I") + tex;
      try {
        if (!made.has(key)) {
          made.set(key, katex.renderToString(tex, {
            displayMode: display, throwOnError: true, fleqn: true, output: "html" }));
        }
        el.innerHTML = made.get(key);
      } catch (e) {
        errors.push(String(e.message || e));
        el.classList.add("ws-error");
      }
    });
    function wide(el, right) {
      return el.scrollWidth > el.clientWidth + 2 || el.getBoundingClientRect().right > right + 2;
    }
    function fit() {
      var right = document.body.getBoundingClientRect().right;
      document.querySelectorAll(".math.display").forEach(function (el) {
        if (el.style.fontSize) el.style.fontSize = "";
        for (var i = 0; i < 6 && wide(el, right); i++) {
          var box = el.getBoundingClientRect();
          var room = Math.min(el.clientWidth, right - box.left);
          var scale = Math.max(0.5, (room / el.scrollWidth) * 0.98);
          el.style.fontSize = ((parseFloat(el.style.fontSize) || 1) * scale).toFixed(3) + "em";
        }
      });
    }
    function overflowing() {
      var bad = 0, right = document.body.getBoundingClientRect().right;
      document.querySelectorAll(".math.display").forEach(function (el) { if (wide(el, right)) bad++; });
      return bad;
    }
    window.worksheetFit = function () { fit(); return overflowing(); };
    window.worksheetErrors = errors;
    document.fonts.ready.then(function () { fit(); document.body.dataset.math = "done"; });
  }
})();
