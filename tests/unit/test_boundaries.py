"""One owner per table: a package reaches another only through its ``service``/``queries``
(or ``events``, and a router through its ``deps``/``schemas``), never its ``models``, ``domain``
or ``chart``, and never writes another package's tables (ORM statements on its classes, or
INSERT/UPDATE/DELETE in SQL text on a table named after it). A static scan of the source."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2] / "src" / "finplat"
PACKAGES = sorted(p.name for p in SOURCE.iterdir() if (p / "__init__.py").exists()
                  and p.name not in {"migrations", "static"})
# Shared by every package (Base, ids, money, errors): not a business domain.
SHARED = {"core"}
INTERNAL = {"models", "domain", "chart"}
WRITES = {"insert", "update", "delete"}
SQL_WRITE = re.compile(r"\b(?:INSERT\s+(?:IGNORE\s+)?INTO|UPDATE|DELETE\s+FROM)\s+[\"`]?(\w+)",
                       re.IGNORECASE)

# Known crossings, each owned by an open issue; the test fails for any other, and for an
# entry here that no longer occurs (so the list only shrinks).
ALLOWED: set[tuple[str, str]] = set()


@dataclass(frozen=True)
class Crossing:
    path: str
    line: int
    what: str

    def key(self) -> tuple[str, str]:
        return self.path, self.what


def _package(path: Path) -> str:
    return path.relative_to(SOURCE).parts[0]


def _target(module: str) -> tuple[str, str | None] | None:
    """(package, submodule) of a ``finplat.<package>[.<submodule>]`` import, else None."""
    parts = module.split(".")
    if parts[0] != "finplat" or len(parts) < 2 or parts[1] not in PACKAGES:
        return None
    return parts[1], parts[2] if len(parts) > 2 else None


def _table_owner(table: str) -> str | None:
    for package in PACKAGES:
        if table.lower().startswith(f"{package}_"):
            return package
    return None


class _Scan(ast.NodeVisitor):
    def __init__(self, path: Path) -> None:
        self.path = path
        self.package = _package(path)
        self.relative = str(path.relative_to(SOURCE))
        self.crossings: list[Crossing] = []
        # Local names bound to another package's modules or objects.
        self.foreign: dict[str, str] = {}

    def _add(self, node: ast.AST, what: str) -> None:
        self.crossings.append(Crossing(self.relative, getattr(node, "lineno", 0), what))

    def _imported(self, node: ast.AST, package: str, submodule: str | None,
                  bound: str, full: str) -> None:
        if package == self.package or package in SHARED:
            return
        self.foreign[bound] = full
        if submodule in INTERNAL:
            self._add(node, f"imports {full}")

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            target = _target(alias.name)
            if target is not None:
                bound = alias.asname or alias.name.split(".")[0]
                self._imported(node, *target, bound=bound, full=alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        target = _target(node.module or "")
        if target is None:
            return
        package, submodule = target
        for alias in node.names:
            bound = alias.asname or alias.name
            full = f"{node.module}.{alias.name}"
            self._imported(node, package, submodule or alias.name, bound=bound, full=full)

    def _foreign_name(self, node: ast.AST) -> str | None:
        root = node
        while isinstance(root, ast.Attribute):
            root = root.value
        if isinstance(root, ast.Name) and root.id in self.foreign:
            return ast.unparse(node)
        return None

    def visit_Call(self, node: ast.Call) -> None:
        name = node.func.attr if isinstance(node.func, ast.Attribute) else (
            node.func.id if isinstance(node.func, ast.Name) else None)
        if name in WRITES and node.args and (found := self._foreign_name(node.args[0])):
            self._add(node, f"{name}({found})")
        if name in {"add", "add_all"} and node.args:
            argument = node.args[0]
            if isinstance(argument, ast.Call) and (found := self._foreign_name(argument.func)):
                self._add(node, f"session.add({found}(...))")
        self.generic_visit(node)

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        # Objects another package handed over (typed as its class, or returned by a call into
        # it) are read, never changed: a change to them is a write to that package's table.
        held = {a.arg for a in [*node.args.args, *node.args.kwonlyargs]
                if a.annotation is not None and self._foreign_name(a.annotation)}
        for child in ast.walk(node):
            if isinstance(child, ast.Assign | ast.AnnAssign) and child.value is not None:
                value = child.value.value if isinstance(child.value, ast.Await) else child.value
                if isinstance(value, ast.Call) and self._foreign_name(value.func):
                    targets = child.targets if isinstance(child, ast.Assign) else [child.target]
                    held |= {t.id for t in targets if isinstance(t, ast.Name)}
        for child in ast.walk(node):
            targets = child.targets if isinstance(child, ast.Assign) else (
                [child.target] if isinstance(child, ast.AugAssign | ast.AnnAssign) else [])
            for target in targets:
                for element in target.elts if isinstance(target, ast.Tuple) else [target]:
                    if isinstance(element, ast.Attribute) and isinstance(element.value, ast.Name) \
                            and element.value.id in held:
                        self._add(child, f"sets {ast.unparse(element)}")
        self.generic_visit(node)

    visit_FunctionDef = _visit_function
    visit_AsyncFunctionDef = _visit_function

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str):
            for table in SQL_WRITE.findall(node.value):
                owner = _table_owner(table)
                if owner is not None and owner != self.package:
                    self._add(node, f"writes {table} in SQL")


def crossings() -> list[Crossing]:
    found = []
    for package in PACKAGES:
        for path in sorted((SOURCE / package).rglob("*.py")):
            scan = _Scan(path)
            scan.visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
            found += scan.crossings
    # A nested function is seen from its enclosing one too.
    return sorted(set(found), key=lambda c: (c.path, c.line, c.what))


def test_no_package_reaches_into_another_or_writes_its_tables() -> None:
    found = crossings()
    unexpected = [f"{c.path}:{c.line}: {c.what}" for c in found if c.key() not in ALLOWED]
    assert not unexpected, "\n".join(unexpected)
    stale = ALLOWED - {c.key() for c in found}
    assert not stale, f"allowed crossings that no longer occur: {sorted(stale)}"


def _scan_text(package: str, text: str) -> list[str]:
    path = SOURCE / package / "example.py"
    scan = _Scan(path)
    scan.visit(ast.parse(text))
    return [c.what for c in scan.crossings]


def test_the_scan_sees_each_kind_of_crossing() -> None:
    assert _scan_text("investment", "from finplat.product.models import Product") == [
        "imports finplat.product.models.Product"]
    assert _scan_text("investment", "from finplat.ledger import chart") == [
        "imports finplat.ledger.chart"]
    assert _scan_text("investment", "import finplat.product.domain as d") == [
        "imports finplat.product.domain"]
    assert _scan_text("investment", "from finplat.product import service\n"
                                    "update(service.Product)") == ["update(service.Product)"]
    assert _scan_text("marketing", "from finplat.product.service import Product\n"
                                   "session.add(Product(name='x'))") == [
        "session.add(Product(...))"]
    assert _scan_text("payment", "SQL = 'INSERT INTO ledger_posting (id) VALUES (1)'") == [
        "writes ledger_posting in SQL"]
    assert _scan_text("payment", "SQL = 'UPDATE payment_deposit SET x = 1'") == []
    assert _scan_text("investment", "from finplat.product import service as ps\n"
                                    "async def f(s, product: ps.Product):\n"
                                    "    product.sold_minor += 1\n"
                                    "async def g(s):\n"
                                    "    p = await ps.lock(s, product_id=1)\n"
                                    "    p.status, p.version = 'x', 2\n"
                                    "    print(p.status)\n") == [
        "sets product.sold_minor", "sets p.status", "sets p.version"]
    assert _scan_text("investment", "from finplat.product import service, queries\n"
                                    "from finplat.investment.events import OrderConfirmed\n"
                                    "from finplat.core.models import Base") == []
