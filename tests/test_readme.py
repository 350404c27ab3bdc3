"""The README's quickstart, run exactly as written."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_quickstart_runs_as_written(capsys):
    """Check that the quickstart block executes and prints sensible scores."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Quickstart", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    exec(compile(code, str(README), "exec"), {})
    lines = capsys.readouterr().out.splitlines()
    surnames, predicted, waves = float(lines[0]), lines[1], float(lines[2])
    assert surnames > 0.6  # 13 classes, the largest holds 9%
    assert predicted.startswith("[")
    assert waves > 0.85
