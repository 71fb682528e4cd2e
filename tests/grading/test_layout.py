"""The grading package's shape (issue 17): no import circle between its modules, no module over ~400 lines
except the zygote (which says why), and the names other modules import from grading.engine still there."""
import ast
from pathlib import Path

import grading

PACKAGE = Path(grading.__file__).parent
ALLOWED_BIG = {"_zygote.py"}  # bound alone into the sandbox, see its docstring


def _imports(path: Path) -> set[str]:
    """grading.* modules ``path`` imports anywhere (also inside functions: a lazy import is still a circle)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("grading"):
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("grading"))
    return found


def test_no_import_circle_inside_grading():
    modules = {f"grading.{p.stem}": p for p in PACKAGE.glob("*.py") if p.stem not in ("__init__", "__main__")}
    graph = {name: {m for m in _imports(path) if m in modules and m != name} for name, path in modules.items()}
    circles = []

    def visit(name, trail):
        for nxt in graph[name]:
            if nxt in trail:
                circles.append(trail[trail.index(nxt):] + [nxt])
            elif nxt not in done:
                visit(nxt, trail + [nxt])
        done.add(name)

    done: set[str] = set()
    for name in sorted(graph):
        if name not in done:
            visit(name, [name])
    assert not circles, circles


def test_modules_stay_small_or_say_why():
    big = {p.name: len(p.read_text().splitlines()) for p in PACKAGE.glob("*.py")
           if len(p.read_text().splitlines()) > 410}
    assert set(big) <= ALLOWED_BIG, big
    zygote_doc = ast.get_docstring(ast.parse((PACKAGE / "_zygote.py").read_text()))
    assert "one file" in zygote_doc and "~400" in zygote_doc


def test_the_engine_keeps_the_names_callers_import():
    from grading import engine

    for name in ("autograde", "warm_up", "close_pools", "check_course", "limits_dict", "FINAL"):
        assert hasattr(engine, name), name
