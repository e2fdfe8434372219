"""The package's layering: no module imports one that imports it back, lazily or not."""

import ast
import subprocess
import sys
from pathlib import Path

import handgrad_cli

PACKAGE = Path(handgrad_cli.__file__).parent


def imported_modules(path: Path) -> set[str]:
    """Every handgrad_cli module a file imports, at the top or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("handgrad_cli"):
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names if alias.name.startswith("handgrad_cli"))
    return names


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    return {module_name(path): imported_modules(path) for path in PACKAGE.rglob("*.py")}


def test_no_import_cycles():
    graph = import_graph()

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for name in graph.get(start, ()):
            if name == goal or (name not in seen and (seen.add(name) or reaches(name, goal, seen))):
                return True
        return False

    assert [module for module in graph if reaches(module, module, set())] == []


def test_the_renderers_and_the_core_know_nothing_of_the_command_line():
    graph = import_graph()
    edge = {"handgrad_cli.cli", "handgrad_cli.console"}
    for module, imports in graph.items():
        if module.startswith("handgrad_cli.render") or module in {"handgrad_cli.drill", "handgrad_cli.cards"}:
            assert not imports & edge, module


def test_a_drill_of_the_lesson_loads_only_the_lesson_kinds(tmp_path):
    """A kind's module is imported when it is first used: the lesson's drill loads none of the others."""
    probe = ("import sys; from handgrad_cli.kinds import DEFAULT_KINDS, set_problems; "
             "list(set_problems(DEFAULT_KINDS, 4, 0, 'medium')); "
             "print(sorted(m for m in sys.modules if m.startswith('handgrad_cli.kinds.')))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    machinery = ["handgrad_cli.kinds.base", "handgrad_cli.kinds.diagnosis", "handgrad_cli.kinds.reads",
                 "handgrad_cli.kinds.solving", "handgrad_cli.kinds.trust", "handgrad_cli.kinds.typed_inputs",
                 "handgrad_cli.kinds.values"]  # the spec and what it derives: no other kind
    assert ast.literal_eval(loaded) == sorted(machinery + ["handgrad_cli.kinds.softmax_ce",
                                                           "handgrad_cli.kinds.tanh_neuron"])
