"""Dataset loaders: bundled, synthetic, and the verified 18-language download."""

import hashlib
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from sklearn_rnn.datasets import (
    _names18,
    _ud,
    fetch_names_18,
    fetch_ud_treebank,
    load_digit_sequences,
    load_surnames,
    make_sequence_classification,
)


def test_load_surnames_conventions():
    """Check the surnames Bunch: sizes, classes, caps, DESCR, return_X_y, as_frame."""
    bunch = load_surnames()
    assert len(bunch.data) >= 4000 and len(bunch.target_names) >= 8
    counts = np.unique(bunch.target, return_counts=True)[1]
    assert counts.max() <= 500
    assert all(" " not in name and name.isalpha() for name in bunch.data)
    assert len(set(bunch.data)) == len(bunch.data)  # ambiguous names dropped
    assert "faker" in bunch.DESCR and "MIT" in bunch.DESCR
    X, y = load_surnames(return_X_y=True)
    np.testing.assert_array_equal(X, bunch.data)
    pd = pytest.importorskip("pandas")
    frame_X, frame_y = load_surnames(return_X_y=True, as_frame=True)
    assert isinstance(frame_X, pd.DataFrame) and isinstance(frame_y, pd.Series)


def test_load_digit_sequences_shape():
    """Check digits as 8 steps of 8 features."""
    X, y = load_digit_sequences(return_X_y=True)
    assert X.shape == (1797, 8, 8) and y.shape == (1797,)
    assert "rows" in load_digit_sequences().DESCR


def test_make_sequence_classification_is_order_only():
    """Check that classes are anagram-compatible and the generator is seeded."""
    X, y = make_sequence_classification(n_samples=200, n_markers=3, random_state=0)
    assert set(y) == set(range(6))
    assert all(sorted(s.count(m) for m in "ABC") == [1, 1, 1] for s in X)
    (Xa, ya), (Xb, yb) = (
        make_sequence_classification(50, random_state=1) for _ in "ab"
    )
    assert Xa == Xb and np.array_equal(ya, yb)
    with pytest.raises(ValueError, match="n_markers"):
        make_sequence_classification(n_markers=5)


LANGS = ["Alpha", "Beta"]


def _archive(tmp_path, contents):
    path = tmp_path / "data.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for lang, text in contents.items():
            zf.writestr(f"data/names/{lang}.txt", text)
    return path


@pytest.fixture
def fake_source(tmp_path, monkeypatch):
    """A local archive served through a file:// URL, with its own checksums."""
    contents = {"Alpha": "Ab\nAbé\n", "Beta": "Zed\n\nZo\n"}
    archive = _archive(tmp_path, contents)
    sums = {k: hashlib.sha256(v.encode()).hexdigest() for k, v in contents.items()}
    monkeypatch.setattr(_names18, "NAMES_18_URL", archive.as_uri())
    monkeypatch.setattr(_names18, "_expected_sha256", lambda: dict(sums))
    return archive, sums


def test_fetch_downloads_verifies_and_caches(fake_source, tmp_path, monkeypatch):
    """Check download, parsing, and that the second call reads the cache."""
    home = tmp_path / "home"
    X, y = fetch_names_18(data_home=home, return_X_y=True)
    assert (
        list(X) == ["Ab", "Abé", "Zed", "Zo"]
        and list(y) == ["Alpha"] * 2 + ["Beta"] * 2
    )
    monkeypatch.setattr(_names18, "NAMES_18_URL", "file:///nonexistent/data.zip")
    assert list(fetch_names_18(data_home=home).target_names) == LANGS


def test_fetch_rejects_a_corrupt_archive(fake_source, tmp_path, monkeypatch):
    """Check that a checksum mismatch raises and caches nothing."""
    archive, sums = fake_source
    _archive(tmp_path, {"Alpha": "Ab\nAbé\n", "Beta": "Tampered\n"})
    with pytest.raises(OSError, match="Checksum mismatch for Beta.txt"):
        fetch_names_18(data_home=tmp_path / "home")
    assert not (tmp_path / "home" / "sklearn_rnn_names18").exists()


def test_fetch_offline_is_a_clear_error(tmp_path, monkeypatch):
    """Check the message when the download cannot happen."""
    monkeypatch.setattr(_names18, "NAMES_18_URL", "file:///nonexistent/data.zip")
    with pytest.raises(OSError, match="Could not download the names data"):
        fetch_names_18(data_home=tmp_path)
    with pytest.raises(OSError, match="download_if_missing"):
        fetch_names_18(data_home=tmp_path, download_if_missing=False)


def test_real_checksums_are_the_reference_ones():
    """Check that the package ships the 18 reference sha256 sums."""
    sums = _names18._expected_sha256()
    assert len(sums) == 18 and sums["English"].startswith("9cca037066d3")


# ------------------------------------------------------- Universal Dependencies
SHARED_UD = Path(__file__).resolve().parents[2] / "shared" / "data" / "ud-en-ewt"
CONLLU = """# sent_id = 1
# text = I don't know.
1	I	I	PRON	PRP	_	3	nsubj	_	_
2-3	don't	_	_	_	_	_	_	_	_
2	do	do	AUX	VBP	_	4	aux	_	_
3	n't	not	PART	RB	_	4	advmod	_	_
4	know	know	VERB	VB	_	0	root	_	_
4.1	knows	know	VERB	VBZ	_	_	_	4:conj	_
5	.	.	PUNCT	.	_	4	punct	_	_

# sent_id = 2
1	Hi	hi	INTJ	UH	_	0	root	_	_
"""


def test_parse_conllu_skips_ranges_and_empty_nodes():
    """Check that multiword ranges and empty nodes are left out."""
    words, upos, xpos = _ud.parse_conllu(CONLLU)
    assert words == [["I", "do", "n't", "know", "."], ["Hi"]]
    assert upos == [["PRON", "AUX", "PART", "VERB", "PUNCT"], ["INTJ"]]
    assert xpos[1] == ["UH"]


@pytest.fixture
def fake_ud(tmp_path, monkeypatch):
    """A CoNLL-U file served through a file:// URL, with its own checksum."""
    source = tmp_path / "src"
    source.mkdir()
    (source / "en_ewt-ud-dev.conllu").write_text(CONLLU, "utf-8")
    digest = hashlib.sha256(CONLLU.encode()).hexdigest()
    repo, prefix, files = _ud._TREEBANKS["en_ewt"]
    monkeypatch.setitem(
        _ud._TREEBANKS, "en_ewt", (repo, prefix, {**files, "dev": (digest, "")})
    )
    monkeypatch.setattr(_ud, "UD_URL", source.as_uri() + "/{file}")
    return source


def test_fetch_ud_downloads_verifies_and_caches(fake_ud, tmp_path, monkeypatch):
    """Check download, parsing, DESCR attribution, and that the cache is read."""
    home = tmp_path / "home"
    bunch = fetch_ud_treebank("en_ewt", split="dev", data_home=home)
    assert bunch.data[1] == ["Hi"] and bunch.target[0][0] == "PRON"
    assert "CC BY-SA 4.0" in bunch.DESCR and "Silveira" in bunch.DESCR
    (fake_ud / "en_ewt-ud-dev.conllu").unlink()  # offline from now on
    assert fetch_ud_treebank(split="dev", data_home=home).data == bunch.data


def test_fetch_ud_rejects_a_corrupt_file_and_offline_is_clear(fake_ud, tmp_path):
    """Check that a checksum mismatch caches nothing and offline errors are clear."""
    (fake_ud / "en_ewt-ud-dev.conllu").write_text(CONLLU + "\n", "utf-8")
    with pytest.raises(OSError, match="Checksum mismatch for en_ewt-ud-dev.conllu"):
        fetch_ud_treebank(split="dev", data_home=tmp_path / "home")
    assert not list((tmp_path / "home").rglob("*.conllu"))
    (fake_ud / "en_ewt-ud-dev.conllu").unlink()
    with pytest.raises(OSError, match="Could not download en_ewt-ud-dev.conllu"):
        fetch_ud_treebank(split="dev", data_home=tmp_path / "home")
    with pytest.raises(OSError, match="download_if_missing"):
        fetch_ud_treebank(split="dev", data_home=tmp_path, download_if_missing=False)
    with pytest.raises(ValueError, match="split must be one of"):
        fetch_ud_treebank(split="validation")


@pytest.mark.skipif(not SHARED_UD.is_dir(), reason="no offline UD copies")
def test_offline_copies_match_the_pinned_checksums(tmp_path):
    """Check the real dev and test files against the pinned release's sums."""
    folder = tmp_path / "sklearn_rnn_ud" / _ud.UD_RELEASE
    folder.mkdir(parents=True)
    for split in ("dev", "test"):
        shutil.copy(SHARED_UD / f"en_ewt-ud-{split}.conllu", folder)
    dev = fetch_ud_treebank(split="dev", data_home=tmp_path, download_if_missing=False)
    assert len(dev.data) == 2001 and sum(map(len, dev.data)) == 25147
    assert len(dev.target_names) == 17
    blob = _ud._git_blob_id((folder / "en_ewt-ud-test.conllu").read_bytes())
    assert blob == _ud._TREEBANKS["en_ewt"][2]["test"][1]
