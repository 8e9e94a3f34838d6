"""The house rules that code review alone would miss: no import cycle in ``helpers``, the layers of
helpers/README.md, and no branch on a learned function's name outside its registry entry."""

import ast
import re
from pathlib import Path

from helpers.functions import REGISTRY

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "helpers"

# helpers/README.md draws these layers; a module imports only from its own layer or the ones below
LAYERS = [
    {"locations", "lines", "vectorization", "url_generator", "dates", "text_inputs", "urlparse_rules",
     "training_config", "model_config", "sizing", "environment", "plots", "show", "commoncrawl", "tfjs_convert"},
    {"functions", "data"},
    {"step", "model", "decoders", "numpy_decoding", "storage", "evaluation", "fresh_evaluation", "prediction", "records"},
    {"streams", "callbacks", "run_state", "run_log", "training", "recipes", "porting", "export", "estimator", "web", "spark",
     "spark_inference"},
    {"cli", "__main__", "__init__"},
]


def module_name(path: Path) -> str:
    """helpers/functions/hexadecimal.py -> "functions.hexadecimal"; helpers/cli.py -> "cli"."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" and len(parts) > 1 else parts)


def imports(path: Path) -> set[str]:
    """The helpers modules that ``path`` imports anywhere (in functions too), except under ``if TYPE_CHECKING:``."""
    tree = ast.parse(path.read_text())
    skipped = {id(node) for block in ast.walk(tree) if isinstance(block, ast.If)
               and getattr(block.test, "id", None) == "TYPE_CHECKING" for node in ast.walk(block)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("helpers"):
            base = node.module.removeprefix("helpers").removeprefix(".")
            for alias in node.names:  # "from helpers import step" names a module; "from helpers.x import y" a name
                candidate = f"{base}.{alias.name}".strip(".")
                found.add(candidate if (PACKAGE / Path(*candidate.split("."))).with_suffix(".py").exists()
                          or (PACKAGE / Path(*candidate.split("."))).is_dir() else base)
        elif isinstance(node, ast.Import):
            found.update(alias.name.removeprefix("helpers.") for alias in node.names if alias.name.startswith("helpers."))
    return found - {""}


def import_graph() -> dict[str, set[str]]:
    return {module_name(path): imports(path) - {module_name(path)} for path in PACKAGE.rglob("*.py")}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, str] = {}

    def visit(node, trail):
        state[node] = "open"
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return trail + [node, target]
            if target not in state:
                cycle = visit(target, trail + [node])
                if cycle:
                    return cycle
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node, [])
            if cycle:
                return cycle
    return None


def layer_of(module: str) -> int:
    top = module.split(".")[0]
    for index, layer in enumerate(LAYERS):
        if top in layer:
            return index
    raise AssertionError(f"helpers.{module} is in no layer of tests/test_architecture.py (and helpers/README.md)")


def test_the_import_graph_of_helpers_has_no_cycle():
    graph = import_graph()
    assert len(graph) > 30
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph))
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]  # the check sees one


def test_each_module_imports_only_from_its_layer_or_below():
    upward = [f"helpers.{module} ({layer_of(module)}) imports helpers.{target} ({layer_of(target)})"
              for module, targets in import_graph().items() for target in targets
              if layer_of(target) > layer_of(module) and target.split(".")[0] != module.split(".")[0]]
    assert upward == []


def test_no_code_outside_a_registry_entry_branches_on_a_function_name():
    names = "|".join(re.escape(name) for name in REGISTRY)
    branch = re.compile(rf"""(==|!=|\bin)\s*\(?\s*["']({names})["']|["']({names})["']\s*(==|!=)""")
    places = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
              for folder in ("helpers", "tools") for path in (ROOT / folder).rglob("*.py")
              if "functions" not in path.relative_to(ROOT).parts
              for number, line in enumerate(path.read_text().splitlines(), start=1) if branch.search(line)]
    assert places == []
    assert branch.search('if task == "hex":') and branch.search("if 'urlparse' != name")
