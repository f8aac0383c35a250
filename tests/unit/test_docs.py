"""The docs stay true: README commands, settings and CLI commands are checked against the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ai4d_core.settings import Settings

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def _shell_blocks() -> list[list[str]]:
    blocks = re.findall(r"```(?:bash|sh|shell)\n(.*?)```", README, re.S)
    return [[line for line in block.splitlines() if line.strip()] for block in blocks]


def test_readme_starts_with_exactly_the_two_setup_commands() -> None:
    first = _shell_blocks()[0]
    assert first == ["make up", "make test"]
    assert README.index("```bash") < README.index("## ")  # before any section


def test_the_two_commands_are_make_targets_and_ci_runs_the_test_one() -> None:
    targets = set(re.findall(r"^([a-z-]+):", (ROOT / "Makefile").read_text(), re.M))
    assert {"up", "test"} <= targets
    mentioned = set(re.findall(r"`make ([a-z-]+)`", README))
    print(f"checked {len(mentioned)} make targets named in the README")
    assert mentioned and mentioned <= targets
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_every_setting_is_documented_in_env_example_and_readme() -> None:
    names = {f"AI4D_{name.upper()}" for name in Settings.model_fields}
    example = set(re.findall(r"^(AI4D_[A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    in_readme = set(re.findall(r"`(AI4D_[A-Z_]+)`", README))
    print(f"checked {len(names)} settings")
    assert names and names == example
    assert names <= in_readme


def test_every_ai4d_command_in_the_readme_exists() -> None:
    import typer

    from ai4d_cli.main import app

    group = typer.main.get_command(app)
    commands = set(re.findall(r"`ai4d ([a-z]+)", README))
    print(f"checked {len(commands)} ai4d commands")
    assert commands and commands <= set(group.commands)  # type: ignore[attr-defined]
