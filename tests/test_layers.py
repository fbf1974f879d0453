"""The layers: imports point down only, and no module imports itself round a cycle.

Pure packages sit at the bottom (``governance → lists → models → rules → features →
data_contracts``; ``linkage`` and ``synth`` use only ``data_contracts``) and never import
``pipelines``. Inside ``pipelines`` the order is ``cli → flows → stages → stores → base``,
where the stores are the DuckDB warehouse and the console's operational store (``opstore``), the
base is the modules directly in ``pipelines/`` (clock, paths, files, steps...) and a stage may use
an earlier stage (``weekly`` scores with what ``train`` registered). The console's web app
(``pipelines.console.web``) never touches DuckDB: a scheduled flow must always be able to take the
warehouse. Every
import counts, including those inside functions and under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PURE_ALLOWED: dict[str, set[str]] = {
    "data_contracts": set(),
    "features": {"data_contracts"},
    "rules": {"features", "data_contracts"},
    "models": {"rules", "features", "data_contracts"},
    "lists": {"models", "rules", "features", "data_contracts"},
    "governance": {"lists", "models", "rules", "features", "data_contracts"},
    "linkage": {"data_contracts"},
    "synth": {"data_contracts"},
}
PACKAGES = [*PURE_ALLOWED, "pipelines"]

STAGES = ["world", "ingest", "link", "train", "weekly", "trial", "monitor", "govern", "serve", "console"]
"""The stages of pipelines/, in the order they may use each other (a stage uses only earlier ones)."""
STORES = ["warehouse", "opstore"]
"""The stores: the DuckDB warehouse and the console's operational store; neither uses the other."""
WEB = "pipelines.console.web"
"""The web app: it reads and writes the operational store only, never DuckDB or a stage that opens it."""


def pipelines_rank(module: str) -> tuple[int, int]:
    """Where a pipelines module sits: (layer, stage order). Higher layers may import lower ones."""
    parts = module.split(".")
    if len(parts) == 2 and not (ROOT / "pipelines" / parts[1]).is_dir():
        return (3, 0) if parts[1] == "flows" else (0, 0)
    if parts[1] in STORES:
        return (1, 0)
    if parts[1] in STAGES:
        return (2, STAGES.index(parts[1]))
    if parts[1] == "cli":
        return (4, 0)
    raise AssertionError(
        f"{module}: pipelines/{parts[1]}/ is not a known layer: add it to STAGES or the base"
    )


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def source_modules() -> dict[str, Path]:
    return {
        module_name(path): path for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))
    }


def imports_of(path: Path, modules: dict[str, Path]) -> Iterator[tuple[str, int]]:
    """Every module ``path`` imports, with its line (``from a import b`` is ``a.b`` if that is a module)."""
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module:
            assert node.level == 0, f"{path}:{node.lineno}: use an absolute import"
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                yield (submodule if submodule in modules else node.module), node.lineno


def graph() -> dict[str, set[str]]:
    modules = source_modules()
    return {
        module: {target for target, _ in imports_of(path, modules) if target.split(".")[0] in PACKAGES}
        for module, path in modules.items()
    }


def violation(source: str, target: str) -> str | None:
    """Why ``source`` may not import ``target``, or None when it may."""
    source_package, target_package = source.split(".")[0], target.split(".")[0]
    in_web = source == WEB or source.startswith(f"{WEB}.")
    if in_web and (
        target_package == "duckdb" or target.startswith(("pipelines.warehouse", "pipelines.console.sync"))
    ):
        return "the web app never opens DuckDB: it reads and writes the operational store"
    if target_package == "duckdb":
        return None
    if source_package == target_package and source_package != "pipelines":
        return None
    if source_package != "pipelines":
        if target_package in PURE_ALLOWED[source_package]:
            return None
        return f"{source_package} may use only {sorted(PURE_ALLOWED[source_package]) or 'itself'}"
    if target_package != "pipelines":
        return None
    if target == "pipelines":
        return "import the module you need, not the pipelines package"
    (source_layer, source_stage), (target_layer, target_stage) = (
        pipelines_rank(source),
        pipelines_rank(target),
    )
    if source_layer == target_layer == 1 and source.split(".")[1] != target.split(".")[1]:
        return "the warehouse and the operational store do not use each other"
    if source_layer > target_layer or source_layer == target_layer and source_layer != 2:
        return None
    if source_layer == target_layer == 2 and source.split(".")[1] == target.split(".")[1]:
        return None
    if source_layer == target_layer == 2 and target_stage < source_stage:
        return None
    return "pipelines imports point cli → flows → stages (in order) → warehouse → base"


def test_every_import_points_down() -> None:
    modules = source_modules()
    wrong = [
        f"{path.relative_to(ROOT)}:{line}: {module} imports {target}: {why}"
        for module, path in modules.items()
        for target, line in imports_of(path, modules)
        if target.split(".")[0] in [*PACKAGES, "duckdb"] and (why := violation(module, target))
    ]
    assert not wrong, "\n".join(wrong)


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
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

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_round_a_cycle() -> None:
    edges = {
        module: {t for t in targets if t != module and not module.startswith(f"{t}.")}
        for module, targets in graph().items()
    }
    assert cycles(edges) == []


@pytest.mark.parametrize(
    ("edges", "expected"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, [["a", "b", "c"]]),
    ],
)
def test_the_cycle_finder_finds_a_planted_cycle(
    edges: dict[str, set[str]], expected: list[list[str]]
) -> None:
    assert cycles(edges) == expected


@pytest.mark.parametrize(
    ("source", "target", "allowed"),
    [
        ("models.score", "features.registry", True),
        ("models.fairness", "governance.fairness", False),
        ("linkage.records", "pipelines.files", False),
        ("linkage.records", "features.registry", False),
        ("pipelines.cli.model", "pipelines.train.run", True),
        ("pipelines.weekly.run", "pipelines.train.run", True),
        ("pipelines.train.run", "pipelines.weekly.run", False),
        ("pipelines.warehouse.connection", "pipelines.ingest.load", False),
        ("pipelines.clock", "pipelines.warehouse.connection", False),
        ("pipelines.flows", "pipelines.cli.main", False),
        ("pipelines.cli.model", "pipelines.cli.options", True),
        ("pipelines.console.sync.take_in", "pipelines.weekly.decisions", True),
        ("pipelines.console.web.app", "pipelines.opstore.decisions", True),
        ("pipelines.console.web.app", "pipelines.warehouse.connection", False),
        ("pipelines.console.web.app", "duckdb", False),
        ("pipelines.opstore.journal", "pipelines.warehouse.audit_log", False),
        ("pipelines.weekly.run", "pipelines.console.sync.take_in", False),
    ],
)
def test_the_direction_rule_on_planted_imports(source: str, target: str, allowed: bool) -> None:
    assert (violation(source, target) is None) is allowed
