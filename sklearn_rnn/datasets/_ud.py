"""Universal Dependencies treebanks (CoNLL-U), downloaded once and verified."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

import numpy as np
from sklearn.datasets import get_data_home
from sklearn.utils import Bunch

UD_RELEASE = "r2.16"
# Raw files of a tagged release; {repo} and {file} are filled in per treebank.
UD_URL = (
    "https://raw.githubusercontent.com/UniversalDependencies/{repo}/{release}/{file}"
)

# name -> (repository, file prefix, {split: (sha256 or None, git blob id)}).
# The train file is only known by its git blob id: sha1 of b"blob <size>\0" + content.
_TREEBANKS = {
    "en_ewt": (
        "UD_English-EWT",
        "en_ewt-ud",
        {
            "train": (None, "34731d23bafeeff233fdcee18ffc0254b1aa0e28"),
            "dev": (
                "531a54ff90d6ab12201c5a50c3e78e6ddac4de69abc4bce5d275d3cd29efe2b6",
                "a994b6990643429070ecc6e236d26ad6a04bfefb",
            ),
            "test": (
                "e266e515a0a7547657ed3d90d9ba46487d6bd251f27ad4269d4e8a427c8555cd",
                "c59667960ae967636606f47bc35f132a5557ad39",
            ),
        },
    )
}

_ATTRIBUTION = (
    "Universal Dependencies English Web Treebank (UD_English-EWT), release "
    "{release}, licensed CC BY-SA 4.0. Annotations (c) 2013-2021 The Board of "
    "Trustees of the Leland Stanford Junior University; underlying texts from the "
    "LDC English Web Treebank (LDC2012T13). Cite: Silveira et al. 2014, "
    '"A Gold Standard Dependency Corpus for English" (LREC 2014). Anything that '
    "redistributes the data must carry this attribution and the same licence."
)


def _git_blob_id(content: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


def _matches(content: bytes, sha256: str | None, blob_id: str) -> bool:
    if sha256 is not None:
        return hashlib.sha256(content).hexdigest() == sha256
    return _git_blob_id(content) == blob_id


def parse_conllu(text: str):
    """Sentences of a CoNLL-U document as ``(words, upos, xpos)`` lists.

    Multiword-token ranges (ids like ``3-4``) and empty nodes (``8.1``) are
    skipped: the syntactic words that follow a range carry the tags.
    """
    words, upos, xpos = [], [], []
    sentence = ([], [], [])
    for line in text.splitlines():
        if not line.strip():
            if sentence[0]:
                for out, part in zip((words, upos, xpos), sentence):
                    out.append(part)
            sentence = ([], [], [])
            continue
        if line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 10:
            raise ValueError(
                f"Not a CoNLL-U token line (10 tab-separated fields): {line!r}"
            )
        if "-" in fields[0] or "." in fields[0]:
            continue
        sentence[0].append(fields[1])
        sentence[1].append(fields[3])
        sentence[2].append(fields[4])
    if sentence[0]:
        for out, part in zip((words, upos, xpos), sentence):
            out.append(part)
    return words, upos, xpos


def _download(url: str, path: Path, sha256, blob_id) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with urlopen(url, timeout=60) as response:
            content = response.read()
    except (URLError, OSError) as exc:
        raise OSError(
            f"Could not download {path.name} from {url} ({exc}). Check the network "
            f"connection, or put the file into {path.parent} yourself."
        ) from None
    if not _matches(content, sha256, blob_id):
        raise OSError(
            f"Checksum mismatch for {path.name} from {url}: the download is corrupt "
            "or the release changed; nothing was cached."
        )
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as tmp:
        tmp.write(content)
    Path(tmp.name).replace(path)  # only verified files ever reach the cache
    return content


def fetch_ud_treebank(
    name="en_ewt", *, split="train", data_home=None, download_if_missing=True
):
    """Load one split of a Universal Dependencies treebank for sequence tagging.

    Downloads the CoNLL-U file of Universal Dependencies release 2.16 once
    from the treebank's GitHub repository into
    ``<data_home>/sklearn_rnn_ud/r2.16/`` (en_ewt: ``en_ewt-ud-dev.conllu`` and
    ``-test`` 1.8 MB each, ``-train`` six times as many sentences), checks it against its
    known checksum (sha256, or the git blob id where only that is published)
    before caching it, and parses it. Offline, copy the files into that
    folder (``sklearn.datasets.get_data_home()`` gives ``data_home``): a file
    there with the right checksum is read without a download. Multiword-token
    ranges (``3-4  don't``) and empty nodes (``8.1``) are skipped: the words
    of a sentence are its syntactic words, each with a tag.

    The split defaults to "train", the treebank's own training part (12,544
    sentences); the examples and benchmarks of this library train on "dev"
    (2,001) and test on "test", which keeps their fits short.

    Parameters
    ----------
    name : {"en_ewt"}, default="en_ewt"
        The treebank: the English Web Treebank.
    split : {"train", "dev", "test"}, default="train"
        The part of the treebank (en_ewt: 12,544 / 2,001 / 2,077 sentences).
    data_home : str or path-like, default=None
        Cache folder; by default scikit-learn's ``~/scikit_learn_data``.
    download_if_missing : bool, default=True
        Download when the file is not cached; if False, raise ``OSError``.

    Returns
    -------
    data : Bunch
        ``data`` (list of word lists), ``target`` (list of UPOS tag lists),
        ``xpos`` (list of language-specific tag lists), ``target_names``
        (the UPOS tags present), ``DESCR`` (source and licence: CC BY-SA 4.0,
        with the attribution redistribution requires).

    Examples
    --------
    >>> from sklearn_rnn import RNNSequenceTagger
    >>> from sklearn_rnn.datasets import fetch_ud_treebank
    >>> train = fetch_ud_treebank("en_ewt", split="dev")  # doctest: +SKIP
    >>> train.data[0][:4], train.target[0][:4]  # doctest: +SKIP
    (['From', 'the', 'AP', 'comes'], ['ADP', 'DET', 'PROPN', 'VERB'])
    >>> tagger = RNNSequenceTagger().fit(train.data, train.target)  # doctest: +SKIP
    """
    content, path = cached_bytes(name, split, data_home, download_if_missing)
    return _as_bunch(content, path)


def cached_bytes(name, split, data_home=None, download_if_missing=True):
    """``(content, path)``: the pinned file from the cache, downloaded and
    checked first if it is not there (``fetch_ud_treebank``, unparsed)."""
    repo, filename, sha256, blob_id = _pinned(name, split)
    path = Path(get_data_home(data_home)) / "sklearn_rnn_ud" / UD_RELEASE / filename
    content = path.read_bytes() if path.is_file() else None
    if content is None or not _matches(content, sha256, blob_id):
        if not download_if_missing:
            raise OSError(
                f"Data not found in {path} and `download_if_missing` is False."
            )
        url = UD_URL.format(repo=repo, release=UD_RELEASE, file=filename)
        content = _download(url, path, sha256, blob_id)
    return content, path


def _pinned(name: str, split: str):
    """``(repository, file name, sha256, git blob id)`` of a split of the release."""
    if name not in _TREEBANKS:
        raise ValueError(f"Unknown treebank {name!r}; available: {sorted(_TREEBANKS)}.")
    repo, prefix, files = _TREEBANKS[name]
    if split not in files:
        raise ValueError(f"split must be one of {sorted(files)}, got {split!r}.")
    return (repo, f"{prefix}-{split}.conllu", *files[split])


def read_pinned_file(path, name: str = "en_ewt", split: str = "dev") -> Bunch:
    """A local copy of one split of the pinned release (the demo's --ud-dir, the
    benchmarks), checked against its checksum, as ``fetch_ud_treebank`` returns it."""
    return _as_bunch(checked_bytes(path, name, split), path)


def checked_bytes(path, name: str = "en_ewt", split: str = "dev") -> bytes:
    """The bytes of a local copy of one split of the pinned release, checked
    against its checksum (``read_pinned_file``, unparsed)."""
    _, _, sha256, blob_id = _pinned(name, split)
    content = Path(path).read_bytes()
    if not _matches(content, sha256, blob_id):
        raise ValueError(f"{path} is not the {UD_RELEASE} release's file.")
    return content


def _as_bunch(content: bytes, path) -> Bunch:
    words, upos, xpos = parse_conllu(content.decode("utf-8"))
    return Bunch(
        data=words,
        target=upos,
        xpos=xpos,
        target_names=np.array(sorted({t for s in upos for t in s}), dtype=object),
        DESCR=_ATTRIBUTION.format(release=UD_RELEASE) + f" File: {path}.",
    )
