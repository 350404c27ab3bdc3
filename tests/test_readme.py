"""The README's quickstart, run exactly as written."""

import re
import shutil
from pathlib import Path

import pytest

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


SHARED_UD = Path(__file__).resolve().parents[2] / "shared" / "data" / "ud-en-ewt"


@pytest.mark.skipif(not SHARED_UD.is_dir(), reason="no offline UD copies")
def test_readme_family_block_runs_with_one_epoch(tmp_path, monkeypatch):
    """Check the tagger/regressor/unlabelled block: the same calls, one epoch
    each, the treebank read from the offline copies instead of a download."""
    import functools

    import sklearn_rnn.datasets
    from sklearn_rnn import RNNEmbeddingTransformer
    from sklearn_rnn.datasets import _ud, load_surnames

    folder = tmp_path / "sklearn_rnn_ud" / _ud.UD_RELEASE
    folder.mkdir(parents=True)
    for split in ("dev", "test"):
        shutil.copy(SHARED_UD / f"en_ewt-ud-{split}.conllu", folder)
    monkeypatch.setattr(
        sklearn_rnn.datasets,
        "fetch_ud_treebank",
        functools.partial(_ud.fetch_ud_treebank, data_home=tmp_path),
    )
    section = README.read_text(encoding="utf-8").split("## Quickstart", 1)[1]
    code = re.findall(r"```python\n(.*?)```", section, re.S)[1]
    code, n = re.subn(r"(RNN\w+\(random_state=0)\)", r"\1, max_iter=1)", code)
    assert n == 3
    names = load_surnames(return_X_y=True)[0][:300]
    namespace = {"names": names, "RNNEmbeddingTransformer": RNNEmbeddingTransformer}
    exec(compile(code, str(README), "exec"), namespace)
    assert namespace["tagger"].predict([["The", "dog"]]).shape == (1,)
