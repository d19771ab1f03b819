"""The package layering (docs/ARCHITECTURE.md): imports only point down, so there are no cycles.

The graph counts every import, lazy ones inside functions included (a lazy import still ties two
packages together); only ``if TYPE_CHECKING:`` blocks are left out. Each module must also import
as the first emsteer module of a fresh interpreter, which is where a cycle shows at run time.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import emsteer

SRC = Path(emsteer.__file__).parent

# Bottom to top. A unit may import only units on lower rows (and itself). A new package or
# top-level module needs a row here: that is the moment to decide where it belongs.
LAYERS: list[set[str]] = [
    {"errors", "paths", "em", "redact", "progress", "lazy", "memory"},  # small shared utilities
    {"atomic", "yamlio"},
    {"data", "models"},  # narrow-task data and question sets; model loading
    {"steering"},  # the core: artifacts, hooks, magnitudes, reference norms, import/export
    {"generation", "training"},  # steered sampling (one protocol, transformers and vLLM backends); the objective, epochs loop, checkpoint names
    {"methods", "finetune"},  # construction methods and LoRA, both trained by training/
    {"judging"},  # judges and their prompts and cache; learned/ fits the learned judge, validity/ measures judges
    {"results"},  # the store, metrics, exports
    {"evaluation"},  # EM evaluation runs, controls, efficacy, audit, summaries
    {"studies", "display", "inspect_bridge", "review"},  # review: the local labelling page (emsteer review)
    {"analysis"},  # report, plots, geometry, findings
    {"tracking"},
    {"api", "cli"},  # the two front doors: Python (emsteer/__init__ exports api) and the shell
    {"__main__"},  # python -m emsteer
]


def unit_of(module: str) -> str:
    """``emsteer.methods.pca`` → ``methods``; ``emsteer.cli`` → ``cli``."""
    parts = module.split(".")[1:]
    return parts[0] if parts else ""


def module_names() -> dict[str, Path]:
    out = {}
    for path in sorted(SRC.rglob("*.py")):
        parts = ["emsteer", *path.relative_to(SRC).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(body: list[ast.stmt]):
    for node in body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from _imports(node.orelse)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                yield from _imports([child])


def imported_modules(module: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The emsteer modules ``module`` imports (``from pkg import name`` counts as pkg.name when that is a module)."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in _imports(ast.parse(path.read_text()).body):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        for target in targets:
            while target not in known and "." in target:
                target = target.rsplit(".", 1)[0]
            if target in known and target != module and target != "emsteer":
                found.add(target)
    return found


def layer_of(unit: str) -> int:
    for i, row in enumerate(LAYERS):
        if unit in row:
            return i
    raise AssertionError(f"emsteer.{unit} has no row in LAYERS (tests/test_architecture.py): place it")


def test_imports_point_down_the_layers():
    known = module_names()
    upward = []
    for module, path in known.items():
        if module == "emsteer":
            continue  # the package's lazy public API (emsteer.api) sits above everything
        mine = layer_of(unit_of(module))
        for target in imported_modules(module, path, known):
            theirs = unit_of(target)
            if theirs != unit_of(module) and layer_of(theirs) >= mine:
                upward.append(f"{module} imports {target}")
    assert not upward, "imports that point sideways or up:\n" + "\n".join(sorted(upward))


def test_no_module_import_cycles():
    known = module_names()
    graph = {m: imported_modules(m, p, known) for m, p in known.items()}
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                raise AssertionError("import cycle: " + " -> ".join(path[path.index(n):] + [n]))
            if n not in state:
                visit(n, path + [n])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])


def test_every_module_imports_first_in_a_fresh_interpreter():
    """Import each module as the first emsteer import (emsteer's modules dropped between tries,
    third-party ones kept so that torch loads once). Optional extras that are not installed skip,
    also when the module turns the missing package into an EmsteerError that says what to install."""
    names = [m for m in module_names() if m not in ("emsteer", "emsteer.__main__")]  # __main__ runs the CLI
    script = (
        "import importlib, sys\n"
        f"names = {names!r}\n"
        "failed = []\n"
        "for name in names:\n"
        "    for loaded in [m for m in sys.modules if m == 'emsteer' or m.startswith('emsteer.')]:\n"
        "        del sys.modules[loaded]\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except ModuleNotFoundError as err:\n"
        "        if (err.name or '').split('.')[0] == 'emsteer':\n"
        "            failed.append(f'{name}: {err!r}')\n"
        "    except Exception as err:\n"
        "        cause = err.__cause__\n"  # an optional extra missing, said in emsteer's own words
        "        if isinstance(cause, ModuleNotFoundError) and (cause.name or '').split('.')[0] != 'emsteer':\n"
        "            continue\n"
        "        failed.append(f'{name}: {err!r}')\n"
        "print('\\n'.join(failed))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", done.stdout


def test_the_root_package_imports_nothing_heavy():
    """``import emsteer`` (and so every ``emsteer.x`` import) must not pull torch: the API is lazy."""
    code = "import sys, emsteer, emsteer.errors; print('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "False", done.stderr


def test_the_project_cites_no_design_file_outside_the_repository():
    """The design lives in docs/ARCHITECTURE.md; no code or doc points at a file outside the repository for it."""
    root = Path(__file__).resolve().parents[1]
    texts = [root / "README.md", *root.glob("docs/*.md"), *root.glob("src/emsteer/**/*.py"), root / "pyproject.toml"]
    offenders = [str(p.relative_to(root)) for p in texts
                 if any(name in p.read_text(encoding="utf-8") for name in ("DESIGN.md", "ENVIRONMENT.md"))]
    assert offenders == []


def test_benchmarks_and_scripts_import_what_exists():
    """Benchmarks and scripts are not run by the suite, so a module moved under them would go
    unnoticed: every ``from emsteer... import name`` they contain must resolve."""
    import importlib.util

    root = Path(__file__).resolve().parents[1]
    missing = []
    for path in sorted([*root.glob("benchmarks/*.py"), *root.glob("scripts/*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "emsteer"):
                continue
            try:
                module = importlib.import_module(node.module)
            except ImportError as err:
                if "emsteer" in str(err):
                    missing.append(f"{path.name}: {node.module}")
                continue  # an optional third-party package the module needs
            for alias in node.names:
                if not hasattr(module, alias.name) and importlib.util.find_spec(f"{node.module}.{alias.name}") is None:
                    missing.append(f"{path.name}: {node.module}.{alias.name}")
    assert missing == []


def test_the_cli_reaches_only_package_surfaces():
    """The CLI calls the library through each unit's surface: ``emsteer.X`` (a package's
    ``__init__``, or a top-level module), never a module inside a package; from a package only
    the names its ``__all__`` lists (docs/ARCHITECTURE.md, the CLI row)."""
    import importlib

    known = module_names()
    offenders = []
    for module, path in known.items():
        if unit_of(module) != "cli":
            continue
        for node in _imports(ast.parse(path.read_text()).body):
            if isinstance(node, ast.Import):
                pairs = [(alias.name, None) for alias in node.names]
            else:
                pairs = [(node.module or "", alias.name) for alias in node.names]
            for target, name in pairs:
                if target != "emsteer" and not target.startswith("emsteer.") or unit_of(target) == "cli":
                    continue
                if target.count(".") > 1:
                    offenders.append(f"{module} imports {target}: a module inside a package")
                    continue
                if name is None:
                    continue
                if known[target].name == "__init__.py":  # a package: what its __all__ names
                    listed = name in getattr(importlib.import_module(target), "__all__", ())
                else:  # a top-level module: its public names
                    listed = not name.startswith("_")
                if not listed:
                    offenders.append(f"{module} imports {target}.{name}: not in its surface (__all__)")
    assert not offenders, "the CLI reaches past a package's surface:\n" + "\n".join(sorted(offenders))


def test_every_name_a_package_lists_resolves():
    """Each package's ``__all__`` is its surface, partly loaded on first use (``_LAZY``): every
    name listed must resolve, and every lazy name must be listed."""
    import importlib

    missing = []
    for module, path in module_names().items():
        if path.name != "__init__.py":
            continue
        package = importlib.import_module(module)
        for name in getattr(package, "__all__", ()):
            try:
                getattr(package, name)
            except AttributeError as err:
                missing.append(f"{module}.{name}: {err}")
        missing += [f"{module}.{name}: lazy but not in __all__" for name in getattr(package, "_LAZY", ())
                    if name not in getattr(package, "__all__", ())]
    assert missing == []
