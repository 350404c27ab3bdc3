"""Outputs the docs show are what their code prints (seeded, full size)."""

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _code_and_shown_output(page, after):
    """The first python block after ``after`` on ``page`` and the text
    block that follows it (what the page says it prints)."""
    text = (DOCS / page).read_text(encoding="utf-8").split(after, 1)[1]
    code, shown = re.search(
        r"\.\. code-block:: python\n\n(.*?)\n\S.*?\.\. code-block:: text\n\n(.*?)\n\n",
        text,
        re.S,
    ).groups()
    dedent = lambda block: "\n".join(line[4:] for line in block.splitlines())  # noqa: E731
    return dedent(code), dedent(shown).strip().splitlines()


def test_getting_started_prints_what_it_shows(capsys):
    code, shown = _code_and_shown_output("getting_started.rst", "First model")
    exec(compile(code, "getting_started.rst", "exec"), {})
    assert capsys.readouterr().out.strip().splitlines() == shown
