"""The production package stands alone (issue 9): nothing in ``connector/`` imports the mocks,
the connector and ``ezitxt-okta serve`` run without the mocks' extra, and ``ezitxt-okta stack``
without it says which extra to install."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Projects only the mocks need, and the modules they install.
MOCKS_ONLY = ("requests", "trustme", "jinja2", "itsdangerous", "python-multipart")
MOCKS_ONLY_MODULES = ("requests", "trustme", "jinja2", "itsdangerous", "multipart")

# Run in a fresh interpreter where the named top-level packages cannot be imported.
BLOCKER = """
import importlib.abc, sys
BLOCKED = set(sys.argv[1].split(","))
class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, Blocker())
sys.argv = sys.argv[2:]
"""


def run_without(blocked: tuple[str, ...], code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", BLOCKER + code, ",".join(blocked), "ezitxt-okta"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


# The admin tools (doctor, register, rotate) are synchronous HTTP clients: requests, their own
# `admin` extra; never the mocks.
ADMIN = ROOT / "connector" / "admin"


def test_no_connector_module_imports_the_mocks_tests_or_load_tests() -> None:
    offenders = {
        f"{path.relative_to(ROOT)}: {module}"
        for path in sorted((ROOT / "connector").rglob("*.py"))
        for module in imported_modules(path)
        if module.partition(".")[0] in {"mocks", "tests", "loadtests", *MOCKS_ONLY_MODULES}
        and not (path.is_relative_to(ADMIN) and module.partition(".")[0] == "requests")
    }
    assert not offenders


def test_the_admin_tools_import_without_the_mocks() -> None:
    done = run_without(
        ("mocks", "trustme", "jinja2", "itsdangerous", "multipart", "python_multipart"),
        """
import importlib, pkgutil, connector.admin
for module in pkgutil.walk_packages(connector.admin.__path__, "connector.admin."):
    importlib.import_module(module.name)
print("ok", sorted(m for m in sys.modules if m.partition(".")[0] == "mocks"))
""",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("ok []")


def test_runtime_dependencies_leave_the_mocks_needs_to_their_extra() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {dep.split(">")[0].split("[")[0].strip() for dep in project["dependencies"]}
    assert runtime.isdisjoint(MOCKS_ONLY)
    mocks_extra = {dep.split(">")[0] for dep in project["optional-dependencies"]["mocks"]}
    assert "ezitxt-okta[mocks]" in project["optional-dependencies"]["dev"]
    assert set(MOCKS_ONLY) <= mocks_extra
    commands = project["entry-points"]["ezitxt_okta.commands"]
    assert commands["serve"] == "connector.serve_cli" and commands["stack"] == "mocks.stack.cli"


@pytest.mark.slow
def test_every_connector_module_and_serve_help_work_without_mocks_and_their_extra() -> None:
    done = run_without(
        ("mocks", *MOCKS_ONLY_MODULES, "python_multipart"),
        """
import importlib, pkgutil, connector
for module in pkgutil.walk_packages(connector.__path__, "connector."):
    if module.name != "connector.__main__" and not module.name.startswith("connector.admin."):
        importlib.import_module(module.name)
from connector.cli import main
try:
    main(["serve", "--help"])
except SystemExit as done:
    assert done.code == 0, done.code
print("ok", sorted(m for m in sys.modules if m.partition(".")[0] == "mocks"))
""",
    )
    assert done.returncode == 0, done.stderr
    assert "EZITXT_HOOK_MAX_HEAD_BYTES" in done.stdout  # serve's help, limits included
    assert done.stdout.rstrip().endswith("ok []")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("command", "blocked"),
    [("stack", "requests"), ("stack", "trustme"), ("mock-okta", "jinja2")],
)
def test_a_mock_command_without_the_mocks_extra_names_the_extra(command: str, blocked: str) -> None:
    done = run_without(
        (blocked,),
        f"""
from connector.cli import main
raise SystemExit(main([{command!r}, "--port", "9"] if {command!r} != "stack" else ["stack"]))
""",
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"needs the Python package {blocked!r}" in done.stderr
    assert "pip install 'ezitxt-okta[mocks]'" in done.stderr
    assert "Traceback" not in done.stderr
