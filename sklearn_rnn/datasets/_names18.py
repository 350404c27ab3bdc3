"""The PyTorch char-RNN tutorial's 18-language names (downloaded once, verified)."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import zipfile
from importlib import resources
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

import numpy as np
from sklearn.datasets import get_data_home
from sklearn.utils import Bunch

NAMES_18_URL = "https://download.pytorch.org/tutorial/data.zip"
_FOLDER = "sklearn_rnn_names18"


def _expected_sha256() -> dict[str, str]:
    text = (
        resources.files("sklearn_rnn.datasets")
        .joinpath("data/names18-sha256.txt")
        .read_text("utf-8")
    )
    return dict(line.split() for line in text.splitlines() if line.strip())


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _verified(folder: Path, expected: dict[str, str]) -> bool:
    return all((folder / f"{lang}.txt").is_file() for lang in expected) and all(
        _sha256(folder / f"{lang}.txt") == digest for lang, digest in expected.items()
    )


def _download_and_extract(url: str, folder: Path, expected: dict[str, str]) -> None:
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder.parent) as tmp:
        archive = Path(tmp) / "data.zip"
        try:
            with urlopen(url, timeout=60) as response, open(archive, "wb") as out:
                shutil.copyfileobj(response, out)
        except (URLError, OSError) as exc:
            raise OSError(
                f"Could not download the names data from {url} ({exc}). Check the "
                f"network connection, or put the 18 files <Language>.txt of the "
                f"archive's data/names/ folder into {folder} yourself."
            ) from None
        staging = Path(tmp) / "names"
        staging.mkdir()
        with zipfile.ZipFile(archive) as zf:
            for lang in expected:
                member = f"data/names/{lang}.txt"
                try:
                    (staging / f"{lang}.txt").write_bytes(zf.read(member))
                except KeyError:
                    raise OSError(f"The archive from {url} has no {member}.") from None
        for lang, digest in expected.items():
            found = _sha256(staging / f"{lang}.txt")
            if found != digest:
                raise OSError(
                    f"Checksum mismatch for {lang}.txt from {url}: sha256 {found}, "
                    f"expected {digest}. The download is corrupt or the data changed; "
                    "nothing was cached."
                )
        if folder.exists():
            shutil.rmtree(folder)
        staging.rename(folder)  # only verified files ever reach the cache


def fetch_names_18(*, data_home=None, download_if_missing=True, return_X_y=False):
    """Load the 18-language names data of PyTorch's char-RNN tutorial.

    About 20,000 surnames in 18 languages (Arabic, Chinese, Czech, Dutch,
    English, French, German, Greek, Irish, Italian, Japanese, Korean, Polish,
    Portuguese, Russian, Scottish, Spanish, Vietnamese). Downloaded once from
    https://download.pytorch.org/tutorial/data.zip into ``data_home``; each of
    the 18 files is checked against its known sha256 before it is cached.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Cache folder; by default scikit-learn's ``~/scikit_learn_data``.
    download_if_missing : bool, default=True
        Download when the data is not cached; if False, raise ``OSError``.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : Bunch
        ``data`` (ndarray of str), ``target`` (ndarray of str),
        ``target_names``, ``DESCR``.
    (data, target) : tuple if ``return_X_y`` is True
    """
    folder = Path(get_data_home(data_home)) / _FOLDER
    expected = _expected_sha256()
    if not _verified(folder, expected):
        if not download_if_missing:
            raise OSError(
                f"Data not found in {folder} and `download_if_missing` is False."
            )
        _download_and_extract(NAMES_18_URL, folder, expected)
    names, langs = [], []
    for lang in sorted(expected):
        lines = (folder / f"{lang}.txt").read_text("utf-8").splitlines()
        names.extend(line.strip() for line in lines if line.strip())
        langs.extend([lang] * (len(names) - len(langs)))
    data, target = np.array(names, dtype=object), np.array(langs, dtype=object)
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        target_names=np.array(sorted(expected), dtype=object),
        DESCR=(
            "Names from 18 languages, from the PyTorch char-RNN tutorial "
            f"({NAMES_18_URL}), verified by sha256 and cached in {folder}."
        ),
    )
