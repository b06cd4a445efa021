"""The README a newcomer follows stays true to the code: commands, files, settings.

The Python example is run for real against live services in
tests/e2e/test_cluster.py; here it only has to compile.
"""

from __future__ import annotations

import os
import re
import runpy
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.cli.main import app as cli_app
from shared.config import load_settings

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def code_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, re.DOTALL)


def readme_python() -> str:
    section = README.split("<!-- readme-python:start -->", 1)[1].split("<!-- readme-python:end -->", 1)[0]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def ember_commands() -> list[list[str]]:
    """Every ``ember ...`` line of the README's shell blocks, as argv (comments dropped)."""
    commands = []
    for block in code_blocks("sh"):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if words and words[0] in ("ember", ".venv/bin/ember"):
                commands.append(words[1:])
    return commands


def test_configuration_reference_is_generated_from_the_settings_model() -> None:
    generator = runpy.run_path(str(ROOT / "scripts" / "gen-config-doc"))
    assert generator["render"](README) == README, "run scripts/gen-config-doc"
    assert "`EMBER_DATABASE__URL`" in README


def test_run_and_test_commands_exist() -> None:
    blocks = "\n".join(code_blocks("sh"))
    for script in ("scripts/up", "scripts/test"):
        assert re.search(rf"^{script}\b", blocks, re.MULTILINE), f"the README runs {script}"
        assert os.access(ROOT / script, os.X_OK), script
    assert "exec scripts/test" in (ROOT / ".ci" / "run").read_text(), "CI runs the README's test command"
    assert "ember up" in (ROOT / "scripts" / "up").read_text()


@pytest.mark.parametrize("argv", ember_commands(), ids=lambda argv: " ".join(argv[:2]))
def test_every_ember_command_in_the_readme_exists(argv: list[str]) -> None:
    command = argv[:1] if argv[0] == "up" else argv[:2]
    result = CliRunner().invoke(cli_app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    for word in argv:
        if word.startswith("examples/"):
            assert (ROOT / word).is_file(), word


def test_python_example_compiles_and_uses_the_engine_client() -> None:
    source = readme_python()
    compile(source, "README.md", "exec")
    assert "from shared.clients.engine import EngineClient" in source


def test_diagram_and_links() -> None:
    assert code_blocks("mermaid"), "the README draws the services and the bus"
    for link in re.findall(r"\]\(([^)#]+)\)", README):
        if not link.startswith("http"):
            assert (ROOT / link).exists(), link


def test_paths_in_where_the_code_lives_exist() -> None:
    section = README.split("## Where the code lives", 1)[1].split("\n## ", 1)[0]
    for path in re.findall(r"^\| `([^`]+)`", section, re.MULTILINE):
        assert (ROOT / path).exists(), path


def test_sample_config_loads_and_matches_the_defaults_it_documents(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in [k for k in os.environ if k.startswith("EMBER_")]:
        monkeypatch.delenv(key)
    settings = load_settings(ROOT / "etc" / "ember.yaml")
    assert settings.database.url == "sqlite+aiosqlite:///./data/ember.sqlite"
    assert (settings.api.bind_host, settings.api.bind_port) == ("127.0.0.1", 8004)
    assert settings.mode == "development"
