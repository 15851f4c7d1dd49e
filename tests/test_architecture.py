"""The package's layout is its architecture: data flows spec → engine → trace → equations →
pages → site, and the imports may only follow that flow.

* ``handcalc.core`` (the engine) imports nothing from the rest of handcalc;
* ``handcalc.equations`` imports only the core;
* ``handcalc.worksheets`` never imports the site, and the site never the command line;
* no module imports itself through a chain of others (lazy imports inside functions count).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "handcalc"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports() -> dict[str, set[str]]:
    """Module → the handcalc modules it imports (at the top or inside a function)."""
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[:len(base) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                for alias in node.names:  # "from . import x" imports the module x
                    sub = f"{target}.{alias.name}"
                    found.add(sub if sub in modules else target)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
        graph[name] = {m for m in found if m in modules and m != name}
    return graph


GRAPH = imports()


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and f"{module}.__init__" in GRAPH) else "top"


def test_the_graph_sees_the_package() -> None:
    assert "handcalc.core.engine" in GRAPH and "handcalc.site.plugin" in GRAPH
    assert "handcalc.core.numbers" in GRAPH["handcalc.core.engine"]
    assert "handcalc.equations.latex" in GRAPH["handcalc.site.render"]


@pytest.mark.parametrize("package, allowed", [
    ("core", {"core"}),
    ("equations", {"core", "equations"}),
    ("worksheets", {"core", "equations", "worksheets", "top"}),
    ("site", {"core", "equations", "worksheets", "site", "top"}),
])
def test_a_subpackage_imports_only_what_lies_upstream(package: str, allowed: set[str]) -> None:
    wrong = {(m, i) for m, deps in GRAPH.items() if m.startswith(f"handcalc.{package}.")
             for i in deps if i.split(".")[1] not in allowed and not (i.count(".") == 1 and "top" in allowed)}
    assert not wrong, sorted(wrong)


def test_the_shared_modules_at_the_top_import_only_the_core() -> None:
    """``escape``, ``pages`` and ``resources`` are leaves every output uses."""
    for name in ("handcalc.escape", "handcalc.pages", "handcalc.resources"):
        assert all(i.startswith("handcalc.core") for i in GRAPH[name]), (name, GRAPH[name])


def test_there_are_no_import_cycles() -> None:
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        path.append(m)
        for n in sorted(GRAPH[m]):
            if state.get(n) == 1:
                raise AssertionError("import cycle: " + " → ".join(path[path.index(n):] + [n]))
            if n not in state:
                visit(n)
        path.pop()
        state[m] = 2

    for m in sorted(GRAPH):
        if m not in state:
            visit(m)


def test_the_docs_name_modules_and_constants_that_exist() -> None:
    """A module the docs name (``handcalc/core/engine.py``) exists, and a constant named beside it
    in the same backticks-and-"in" phrase (`` `MAX_LOG2` in `handcalc/core/engine.py` ``) is
    defined there: the docs follow the code when it moves."""
    root = PACKAGE.parent
    texts = {p: p.read_text(encoding="utf-8") for p in [root / "README.md", root / "DEVELOPERS.md",
                                                          *sorted((root / "docs").rglob("*.md"))]}
    named = 0
    for doc, text in texts.items():
        for path in re.findall(r"handcalc/[\w/]+\.py", text):
            assert (root / path).is_file(), f"{doc.name} names {path}"
            named += 1
        for constants, path in re.findall(r"((?:`[A-Z][A-Z0-9_]+`(?:, | and )?)+) in `(handcalc/[\w/]+\.py)`", text):
            source = (root / path).read_text(encoding="utf-8")
            for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", constants):
                assert re.search(rf"^\s*{name}\b.*=", source, re.M), f"{doc.name}: {name} is not set in {path}"
    assert named, "no module named in the docs: the test checks nothing"
