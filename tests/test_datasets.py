"""Dataset loaders: bundled, synthetic, and the verified 18-language download."""

import hashlib
import zipfile

import numpy as np
import pytest

from sklearn_rnn.datasets import (
    _names18,
    fetch_names_18,
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
