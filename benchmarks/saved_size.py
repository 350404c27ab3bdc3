"""Bytes of a saved model beside the bytes of what it must hold: its
parameters and its vocabularies. Default estimators fitted on 1,500 of the
bundled surnames (and a 64-unit embedding transformer); the pickle, the same
with the training state earlier releases kept (the skorch net with the
optimizer's moments), and the skops file.

    python benchmarks/saved_size.py          # pip install skops for its column
"""

import os
import pickle
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from sklearn_rnn import RNNEmbeddingTransformer, RNNSequenceClassifier  # noqa: E402
from sklearn_rnn._packed_vocabulary import pack_vocabulary  # noqa: E402
from sklearn_rnn.datasets import load_surnames  # noqa: E402


def _needed_bytes(est) -> tuple[int, int]:
    parameters = sum(p.numel() * p.element_size() for p in est.module_.parameters())
    encoder = est.encoder_
    vocabularies = [encoder.vocabulary_]
    if getattr(encoder, "wide_", None) is not None:
        vocabularies.append(encoder.wide_.vocabulary_)
    packed = sum(len(pickle.dumps(pack_vocabulary(v))) for v in vocabularies)
    return parameters, packed


def _with_training_state(est) -> int:
    """Pickle bytes of the state earlier releases saved: every attribute,
    the torch module and the skorch net (optimizer moments, history)."""
    return len(
        pickle.dumps(
            {**vars(est), "encoder_vocabulary": dict(est.encoder_.vocabulary_)}
        )
    )


def main() -> int:
    names, langs = load_surnames(return_X_y=True)
    idx = np.random.default_rng(0).permutation(len(names))[:1500]
    X, y = [names[i] for i in idx], langs[idx]
    models = {
        "classifier (1,500 names)": RNNSequenceClassifier(random_state=0),
        "transformer, 64 units": RNNEmbeddingTransformer(random_state=0),
    }
    try:
        import skops.io as sio
    except ImportError:
        sio = None
    print(
        f"{'model':<26} {'params':>9} {'vocab':>8} {'pickle':>9} {'ratio':>6} "
        f"{'with training state':>20} {'skops':>9}"
    )
    for label, est in models.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est.fit(X, y)
        parameters, vocabularies = _needed_bytes(est)
        saved = len(pickle.dumps(est))
        skops = len(sio.dumps(est)) if sio is not None else float("nan")
        print(
            f"{label:<26} {parameters:>9,} {vocabularies:>8,} {saved:>9,} "
            f"{saved / (parameters + vocabularies):>6.2f} "
            f"{_with_training_state(est):>20,} {skops:>9,}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
