"""The README's quickstart is exactly two commands, and CI runs the second verbatim."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def quickstart_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^#+[^\n]*quick ?start[^\n]*\n(.*?)(?=^#+ |\Z)", text, re.S | re.I | re.M)
    assert section, "README has no Quickstart section"
    blocks = re.findall(r"```[a-z]*\n(.*?)```", section.group(1), re.S)
    return [line.strip() for block in blocks for line in block.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def test_quickstart_has_a_run_and_a_test_command():
    commands = quickstart_commands()
    assert len(commands) == 2
    assert "crm demo" in commands[0] and "crm run" in commands[0]
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command_verbatim():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert quickstart_commands()[1] in ci.splitlines()
