"""The README's code blocks, run exactly as written: every output they show
after ``# ->`` is what the code prints."""

import re
import shutil
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
SHARED_UD = Path(__file__).resolve().parents[2] / "shared" / "data" / "ud-en-ewt"


def _block(index):
    section = README.read_text(encoding="utf-8").split("## Quickstart", 1)[1]
    return re.findall(r"```python\n(.*?)```", section, re.S)[index]


def _shown_outputs(code):
    """What each ``print(...)  # -> shown`` line says it prints (a
    parenthesised remark after the output is not part of it)."""
    return [
        re.sub(r" \([^()]*\)$", "", m.group(1)).strip()
        for m in re.finditer(r"^print\(.*# -> (.*)$", code, re.M)
    ]


def _run(code, capsys, namespace=None):
    exec(compile(code, str(README), "exec"), namespace or {})
    return capsys.readouterr().out.strip().splitlines()


def test_shown_outputs_are_read_from_print_lines():
    code = "print(1)  # -> 1 (a remark)\nprint('[1 2]')  # -> [1 2]\nx = 3  # -> no\n"
    assert _shown_outputs(code) == ["1", "[1 2]"]


def test_readme_quickstart_prints_what_it_shows(capsys):
    code = _block(0)
    shown = _shown_outputs(code)
    assert len(shown) == 3
    assert _run(code, capsys) == shown


@pytest.mark.skipif(not SHARED_UD.is_dir(), reason="no offline UD copies")
def test_readme_family_block_prints_what_it_shows(tmp_path, monkeypatch, capsys):
    """The tagger, regressor and unlabelled block at full size, the treebank
    read from the offline copies instead of a download."""
    import functools

    import sklearn_rnn.datasets
    from sklearn_rnn.datasets import _ud

    folder = tmp_path / "sklearn_rnn_ud" / _ud.UD_RELEASE
    folder.mkdir(parents=True)
    for split in ("dev", "test"):
        shutil.copy(SHARED_UD / f"en_ewt-ud-{split}.conllu", folder)
    monkeypatch.setattr(
        sklearn_rnn.datasets,
        "fetch_ud_treebank",
        functools.partial(_ud.fetch_ud_treebank, data_home=tmp_path),
    )
    code = _block(1)
    shown = _shown_outputs(code)
    assert len(shown) == 4
    assert _run(code, capsys) == shown
