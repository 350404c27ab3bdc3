"""The ``sklearn-rnn`` command line."""

import subprocess
import sys
from pathlib import Path

import pytest

from sklearn_rnn import __version__
from sklearn_rnn._cli import main


def demo(*args):
    """Run ``sklearn-rnn demo --quick`` (tiny sizes) with extra arguments."""
    return main(["demo", "--quick", *map(str, args)])


def test_demo_runs_every_part_and_writes_the_figure(tmp_path, capsys):
    """Check the demo end to end: modes table, where the RNN wins, surnames
    with baseline and combination, and the figure."""
    pytest.importorskip("matplotlib")
    out = tmp_path / "demo.png"
    code = demo("--output", out)
    text = capsys.readouterr().out
    assert code == 0
    for expected in (
        "sgd",
        "minibatch",
        "vectorized",
        "packed",
        "vs sgd",
        "order of 3 markers",
        "wave shapes",
        "summary statistics",
        "char 1-4-gram tf-idf",
        "both:",
        f"Figure written to {out}",
    ):
        assert expected in text, expected
    assert out.stat().st_size > 20_000


def test_demo_modes_make_the_same_updates(capsys):
    """Check the claim the demo prints: minibatch, vectorized and packed reach
    the same test accuracy (same updates), sgd is the slowest."""
    demo("--part", "modes", "--output", "")
    rows = {
        line.split()[0]: line.split()
        for line in capsys.readouterr().out.splitlines()
        if line.strip().split(" ")[0] in ("sgd", "minibatch", "vectorized", "packed")
    }
    accs = {mode: float(row[-1]) for mode, row in rows.items()}
    assert accs["minibatch"] == accs["vectorized"] == accs["packed"]
    speed = {mode: float(row[1]) for mode, row in rows.items()}
    assert speed["sgd"] > speed["vectorized"]


def test_demo_quiet_prints_nothing_and_writes_only_what_output_says(
    tmp_path, capsys, monkeypatch
):
    """Check that --quiet prints nothing, and --output '' writes no file."""
    monkeypatch.chdir(tmp_path)
    demo("--part", "modes", "--fit-mode", "packed", "--quiet", "--output", "")
    assert capsys.readouterr().out == ""
    assert list(tmp_path.iterdir()) == []


def test_demo_reports_unavailable_device(capsys, monkeypatch):
    """Check that a missing device is a one-line error, not a traceback."""
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    code = main(["demo", "--device", "cuda", "--quick", "--output", ""])
    assert code == 2
    assert "CUDA is not available" in capsys.readouterr().err


def test_help_is_plain_text_with_defaults_and_version():
    """Check `--help` (no reStructuredText markup, defaults shown) and --version,
    through `python -m sklearn_rnn`."""

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "sklearn_rnn", *args],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    text = run("demo", "--help")
    assert "``" not in text and ":func:" not in text
    for option in ("--part", "--fit-mode", "--random-state", "--output", "--quick"):
        assert option in text
    assert "(default: 0)" in text and "sklearn_rnn_demo.png" in text
    assert run("--version").strip() == f"sklearn-rnn {__version__}"


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
    code = demo("--part", "modes", "--fit-mode", "vectorized", "--output", out)
    assert code == 0 and not out.exists()
    assert "pip install -e '.[plot]'" in capsys.readouterr().out


SHARED_UD = Path(__file__).resolve().parents[2] / "shared" / "data" / "ud-en-ewt"


@pytest.mark.skipif(not SHARED_UD.is_dir(), reason="no offline UD copies")
def test_demo_tagging_part_prints_per_tag_accuracy(capsys):
    """Check the tagging part on the offline treebank copies (quick sizes)."""
    code = demo("--part", "tagging", "--ud-dir", SHARED_UD, "--output", "")
    out = capsys.readouterr().out
    assert code == 0
    assert "most frequent tag of each word" in out and "RNNSequenceTagger" in out
    assert "PROPN" in out and "tokens" in out


def test_demo_tagging_refuses_a_wrong_file(tmp_path, capsys):
    """Check that --ud-dir files are checked against the pinned release."""
    for split in ("dev", "test"):
        (tmp_path / f"en_ewt-ud-{split}.conllu").write_text(
            "1\ta\t_\tX\t_\t_\t_\t_\t_\t_\n"
        )
    code = demo("--part", "tagging", "--ud-dir", tmp_path, "--output", "")
    assert code == 2
    assert "is not the r2.16 release's file" in capsys.readouterr().err


@pytest.mark.parametrize("flag", ["--version", "--help"])
def test_version_and_help_import_neither_torch_nor_sklearn(flag):
    """Check that the command answers without its heavy imports (they take
    seconds): the package's public names load on first use."""
    code = (
        "import sys\n"
        "from sklearn_rnn._cli import main\n"
        "try:\n"
        f"    main([{flag!r}])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = [m for m in ('torch', 'sklearn', 'skorch', 'numpy') if m in sys.modules]\n"
        "print('heavy:', heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.splitlines()[-1] == "heavy: []"


def test_public_names_load_on_first_use():
    import sklearn_rnn

    assert "RNNSequenceTagger" in dir(sklearn_rnn)
    assert sklearn_rnn.RNNSequenceTagger.__module__ == "sklearn_rnn._tagger"
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        sklearn_rnn.Nope  # noqa: B018
