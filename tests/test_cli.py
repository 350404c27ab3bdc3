"""The demo command."""

import subprocess
import sys

import pytest

from sklearn_rnn._cli import main


def demo(*args):
    """Run ``sklearn-rnn demo`` on the small digits data with extra arguments."""
    return main(["demo", "--dataset", "digits", *map(str, args)])


def test_demo_runs_on_digits_and_writes_figure(tmp_path, capsys):
    """Check the demo end to end on a small setting: table, baseline, figure."""
    pytest.importorskip("matplotlib")
    out = tmp_path / "demo.png"
    code = demo(
        "--fit-mode", "vectorized", "sgd", "--max-iter", "2", "--output", str(out)
    )
    text = capsys.readouterr().out
    assert code == 0
    assert "vectorized" in text and "subset of 1000" in text and "Baseline" in text
    assert out.stat().st_size > 10_000


def test_demo_quiet_prints_nothing(tmp_path, capsys):
    """Check that --quiet silences the demo."""
    demo(
        "--fit-mode",
        "packed",
        "--max-iter",
        "1",
        "--quiet",
        "--output",
        str(tmp_path / "x.png"),
    )
    assert capsys.readouterr().out == ""


def test_demo_reports_unavailable_device(capsys, monkeypatch):
    """Check that a missing device is a one-line error, not a traceback."""
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    code = main(
        ["demo", "--device", "cuda", "--fit-mode", "vectorized", "--max-iter", "1"]
    )
    assert code == 2
    assert "CUDA is not available" in capsys.readouterr().err


def test_module_entry_point_shows_help():
    """Check that `python -m sklearn_rnn` is wired to the CLI."""
    result = subprocess.run(
        [sys.executable, "-m", "sklearn_rnn", "demo", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "--fit-mode" in result.stdout


def test_demo_without_matplotlib_explains_how_to_get_the_figure(
    tmp_path, capsys, monkeypatch
):
    """Check that the demo runs without matplotlib and names the extra to install."""
    import builtins

    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError("No module named 'matplotlib'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    out = tmp_path / "none.png"
    code = demo("--fit-mode", "vectorized", "--max-iter", "1", "--output", str(out))
    assert code == 0 and not out.exists()
    assert "sklearn-rnn[plot]" in capsys.readouterr().out
