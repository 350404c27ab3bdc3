"""Run every example on tiny settings so they never rot."""

import os
import runpy
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).parents[1] / "examples").glob("plot_*.py"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs(path, monkeypatch):
    """Check that the example script runs to the end."""
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.setenv("SKLEARN_RNN_EXAMPLES_FAST", "1")
    runpy.run_path(str(path), run_name="__main__")
    import matplotlib.pyplot as plt

    plt.close("all")


def test_there_are_examples():
    """Check that the examples folder was found."""
    assert len(EXAMPLES) >= 5 and os.path.isdir(EXAMPLES[0].parent)
