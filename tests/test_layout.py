"""The shape of bot/: every module imports, no import cycle among bot.* modules, the service
layers (bot/services, bot/payments) know nothing of Telegram (no aiogram, no callback data of
their own), a table with one owner is spelled in SQL by that module alone, and no module
grows past MAX_MODULE_LINES.

Read from the source with `ast`, so a lazy import inside a function counts as much as one at
the top of the module.
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest
from aiogram.filters.callback_data import CallbackData

import bot

ROOT = Path(bot.__file__).parent
# packages that decide and change; handlers (and, for payments, their handlers and
# webhooks) translate Telegram for them
SERVICE_PACKAGES = ("bot.services", "bot.payments")
TELEGRAM_PACKAGES = ("aiogram", "aiogram_i18n")
# "about 500": a module past this is split by what its parts do
MAX_MODULE_LINES = 520
# tables only one module's SQL names (the rest of the code calls that module)
TABLE_OWNERS = {"kv": "bot.services.kv", "outbox": "bot.services.outbox"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}
TREES: dict[str, ast.Module] = {
    name: ast.parse(p.read_text("utf-8")) for name, p in MODULES.items()
}


def _absolute(name: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def _known(dotted: str) -> str | None:
    """The bot module `dotted` names, or the nearest package of it that is one."""
    while dotted and dotted not in MODULES:
        dotted = dotted.rpartition(".")[0]
    return dotted or None


def _imports(name: str) -> tuple[set[str], set[str]]:
    """(bot.* modules `name` imports, top-level names of everything it imports)."""
    internal: set[str] = set()
    external: set[str] = set()
    for node in ast.walk(TREES[name]):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(name, node)
            # `from bot.services import outbox` imports the module bot.services.outbox
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                for alias in node.names
            ]
        for target in targets:
            external.add(target.partition(".")[0])
            module = _known(target) if target.partition(".")[0] == "bot" else None
            if module is not None and module != name:
                internal.add(module)
    return internal, external


GRAPH = {name: _imports(name)[0] for name in MODULES}


def _cycles() -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(GRAPH[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    return found


def _services() -> list[str]:
    return [n for n in MODULES if any(n == p or n.startswith(f"{p}.") for p in SERVICE_PACKAGES)]


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_module_imports(name: str) -> None:
    importlib.import_module(name)


def test_no_import_cycle_among_bot_modules() -> None:
    assert _cycles() == []


def test_services_do_not_reach_telegram() -> None:
    """No service imports aiogram, nor any bot module that does, however indirectly."""
    telegram = {n for n in MODULES if _imports(n)[1] & set(TELEGRAM_PACKAGES)}
    assert "bot.keyboards.admin" in telegram  # the check sees aiogram where it is
    assert {"bot.services.kv", "bot.payments.service"} <= set(_services())
    offenders = {}
    for name in _services():
        seen, todo = {name}, [name]
        while todo:
            for nxt in GRAPH[todo.pop()] - seen:
                seen.add(nxt)
                todo.append(nxt)
        if seen & telegram:
            offenders[name] = sorted(seen & telegram)
    assert offenders == {}


def _callback_prefixes() -> set[str]:
    for name in MODULES:
        if name.startswith("bot.keyboards."):
            importlib.import_module(name)
    found: set[str] = set()
    todo = list(CallbackData.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("bot."):
            found.add(cls.__prefix__)
    return found


def _literals(tree: ast.AST) -> list[tuple[int, str]]:
    """Every string literal, and the literal parts of every f-string."""
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def _button_data(call: ast.Call) -> ast.expr | None:
    func = call.func
    called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    if called != "Button":
        return None
    if len(call.args) > 1:
        return call.args[1]
    return next((k.value for k in call.keywords if k.arg == "data"), None)


def test_services_build_no_callback_data() -> None:
    """Buttons' callback data is built by bot/keyboards (CallbackData.pack) and handed in
    (alerts.Notices); a service spells none of it."""
    prefixes = _callback_prefixes()
    assert {"adm", "o", "tr"} <= prefixes  # the ones notifications and alerts carry
    problems = []
    for name in _services():
        tree = TREES[name]
        for line, text in _literals(tree):
            if any(text.startswith(f"{prefix}:") for prefix in prefixes):
                problems.append(f"{name}:{line}: {text!r} looks like callback data")
        for node in tree.body:  # a module constant holding a prefix (CALLBACK_PREFIX = "adm")
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Constant)
                and node.value.value in prefixes
            ):
                problems.append(f"{name}:{node.lineno}: a callback data prefix")
        for node in ast.walk(tree):
            data = _button_data(node) if isinstance(node, ast.Call) else None
            if isinstance(data, ast.Constant | ast.JoinedStr | ast.BinOp):
                problems.append(f"{name}:{node.lineno}: Button data spelled out here")
    assert problems == []


TABLE_SQL = re.compile(r"\b(?:FROM|INTO|UPDATE|JOIN|TABLE)\s+(\w+)", re.IGNORECASE)


def test_owned_tables_are_spelled_by_their_owner_only() -> None:
    problems = []
    for name, tree in TREES.items():
        for line, text in _literals(tree):
            for table in TABLE_SQL.findall(text):
                owner = TABLE_OWNERS.get(table.lower())
                if owner is not None and owner != name:
                    problems.append(f"{name}:{line}: SQL on {table} (call {owner})")
    assert problems == []
    # the check reads SQL where it is
    assert TABLE_SQL.findall("SELECT value FROM kv WHERE key = ?") == ["kv"]
    assert any(TABLE_SQL.findall(t) for _, t in _literals(TREES["bot.services.kv"]))


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_stay_small(name: str) -> None:
    lines = len(MODULES[name].read_text("utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{name}: {lines} lines"
