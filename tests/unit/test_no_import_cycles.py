"""No import circle in product code: arrows point one way (bot → handlers, storage → handlers,
bot → storage), and within a package no two modules need each other.

Every import statement counts, at module level or inside a function (a deferred import
hides a circle, it does not remove it); only `if TYPE_CHECKING:` blocks are left out.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers", "storage", "sandbox")


def modules(root: Path = ROOT) -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (root / package).rglob("*.py"):
            name = ".".join(path.relative_to(root).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def import_graph(found: dict[str, Path]) -> dict[str, set[str]]:
    return {name: _imports(name, path, found) - {name} for name, path in found.items()}


def _imports(name: str, path: Path, found: dict[str, Path]) -> set[str]:
    """The project modules `name` imports at run time."""
    imported: set[str] = set()

    def known(dotted: str) -> str | None:
        while dotted and dotted not in found:
            dotted = dotted.rpartition(".")[0]
        return dotted or None

    class Imports(ast.NodeVisitor):
        def visit_If(self, node: ast.If) -> None:
            if "TYPE_CHECKING" in ast.unparse(node.test):
                for statement in node.orelse:
                    self.visit(statement)
                return
            self.generic_visit(node)

        def visit_Import(self, node: ast.Import) -> None:
            imported.update(filter(None, (known(alias.name) for alias in node.names)))

        def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
            base = node.module or ""
            if node.level:  # relative: from the module's own package upwards
                package = name if path.name == "__init__.py" else name.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{base}" if base else package
            for alias in node.names:  # `from package import module` imports the module
                imported.update(filter(None, (known(f"{base}.{alias.name}"),)))

    Imports().visit(ast.parse(path.read_text(encoding="utf-8")))
    return imported


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Groups of modules that reach each other (Tarjan's strongly connected components, size > 1)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in graph.get(module, ()):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while (popped := stack.pop()) != module:
                group.append(popped)
            if group:
                found.append(sorted([*group, module]))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def test_product_code_has_no_import_circle() -> None:
    graph = import_graph(modules())
    assert "handlers.domain.model" in graph["handlers.turn"]  # it does read the imports
    assert circles(graph) == []


def test_a_circle_would_be_found(tmp_path: Path) -> None:
    for package in PACKAGES:
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "bot" / "a.py").write_text("def later():\n    from bot import b\n")
    (tmp_path / "bot" / "b.py").write_text("from .a import later\n")
    (tmp_path / "handlers" / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                                 "    from bot.a import later\n")
    assert circles(import_graph(modules(tmp_path))) == [["bot.a", "bot.b"]]
