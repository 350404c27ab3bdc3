"""Export a fitted network for use without sklearn-rnn.

:func:`save_network` writes one file with ``torch.save``: the weights (a plain
state dict), the architecture, the vocabulary and the classes, all as tensors
and built-in Python types so ``torch.load(path, weights_only=True)`` reads it.
``sklearn_rnn/standalone.py`` is a single file that needs only torch: copy it
next to the exported file to predict in a service that does not install
sklearn-rnn.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from sklearn_rnn._input_kinds import SYMBOLIC_KINDS
from sklearn_rnn._version import __version__

# 4: the classifier's bag-of-symbols term V_bag; 5: its own n-grams;
# 6: numeric steps read in patches (config["patch_size"]); 7: numeric steps
# with each record's own standardisation beside them (config["per_record"]);
# 8: a tagger's CRF transition scores (start_transitions, transitions,
# end_transitions in state_dict; config["crf"]); 9: a tagger's word lexicons
# (artefact["word_lexicons"]); 10: the numeric wide term (artefact["kernels"]);
# 11: a tagger's allowed tag pairs (artefact["allowed_transitions"]) and a
# multi-label classifier's sigmoid outputs (config["multilabel"]); 12: the
# convolutional front end of numeric steps (config["conv_filters"],
# config["conv_dilations"]; front_weight_{i}, front_bias_{i} in state_dict);
# 13: running kernel shares after each numeric step (config["n_step_shares"],
# artefact["shares"])
FORMAT_VERSION = 13


def _plain(value):
    """numpy scalars -> Python scalars (weights_only loading accepts only those)."""
    return value.item() if isinstance(value, np.generic) else value


def _plain_gram(gram):
    return gram if isinstance(gram, str) else tuple(_plain(t) for t in gram)


def export_network(estimator) -> dict:
    """The fitted network as a dict of tensors and built-in types.

    Parameters
    ----------
    estimator : RNNSequenceClassifier, RNNSequenceRegressor, RNNSequenceTagger \
or RNNEmbeddingTransformer
        A fitted estimator.

    Returns
    -------
    artefact : dict
        Keys ``format_version``, ``library_version``, ``config`` (cell, sizes,
        pooling...), ``state_dict`` (CPU tensors named W, U, b, V, c...),
        ``vocabulary`` (list of symbols whose position + 1 is their id, or None
        for numeric input), ``analyzer`` ("char"/"word"; None if custom),
        ``classes`` (list; None for regression), ``target_mean`` and
        ``target_scale`` (regression: ``y = output * scale + mean``).
        ``config["task"]`` is "classification", "regression", "tagging" or
        "next"; ``config["multilabel"]``: a sigmoid per class (an indicator
        of the classes whose score is above 0), not a softmax; ``config["per_step"]`` tells whether ``V`` reads every step.
        A ``V_bag`` in ``state_dict`` (classifier, ``wide=True``) adds
        ``V_bag`` times the counts of a record's n-grams to its outputs: those
        of ``wide_vocabulary`` (list, id = position + 1), read with a boundary
        at both ends as ``config["wide_ngram_range"]`` says, or, where that
        is None, the symbols of its steps. A tagger fitted with
        ``use_crf=True`` (``config["crf"]``) adds ``start_transitions``,
        ``transitions`` and ``end_transitions``: its tags are the best
        sequence under those scores (Viterbi), not the best tag per step.
        ``allowed_transitions`` (a tagger's under a tag scheme, else None):
        ``{"start", "transitions", "end"}``, lists of bools over the classes:
        its tags are the best sequence that uses only allowed pairs (with a
        CRF, forbidden scores are -inf; without, Viterbi over the per-step
        log-probabilities).
        ``word_lexicons`` (a tagger's, see ``WordLexicon.symbols``): a list
        of ``{"name", "prefixes", "entries": {word: [values]}}``.
        A ``V_kernels`` in ``state_dict`` (numeric input, ``wide=True``)
        adds ``V_kernels`` times ``f / sqrt(len(f))``, ``f`` the record's
        convolution features as ``kernels`` describes them (``dilations``,
        ``weights``, ``biases``, ``mean``, ``scale``; see
        ``sklearn_rnn._kernels``), computed from the standardised steps in
        float32.
        ``config["conv_filters"]`` above 0 (numeric input fitted with
        ``conv_filters``): each patch of steps also carries, after its
        values, for each dilation ``d`` of ``config["conv_dilations"]`` in
        turn, the mean and then the max over the patch of
        ``relu(front_weight_i * window + front_bias_i)``, the filters'
        windows of 9 steps centred every ``max(1, min(d, patch_size // 8))``
        steps of the patch, ``d`` apart, over the patched series (zeros
        beyond both ends).
        ``config["n_step_shares"]`` above 0 (``kernel_shares``): each patch
        also carries, after its values and before the front end's columns,
        the running shares that ``shares`` describes (``dilations``,
        ``weights``, ``biases`` as for ``kernels``; ``mean``, ``scale``):
        for each dilation, kernel and bias, the share of the record's steps
        up to the patch's end where the kernel's output exceeds the bias,
        minus ``mean``, over ``scale``. The kernels read the channels the
        network reads (with ``config["per_record"]``, each channel and its
        record's own standardisation); patches are
        aligned on the record's last step and the first step repeated in
        front is not counted (see ``sklearn_rnn._running_shares``).
    """
    check_is_fitted(estimator, "module_")
    module, encoder = estimator.module_, estimator.encoder_
    symbolic = encoder.kind_ in SYMBOLIC_KINDS
    vocabulary = None
    if symbolic:
        vocabulary = [
            _plain(tok) for tok in encoder.vocabulary_
        ]  # insertion = id order
    analyzer = estimator.analyzer if isinstance(estimator.analyzer, str) else None
    wide = getattr(encoder, "wide_", None)
    kernels = getattr(encoder, "kernels_", None)
    shares = getattr(encoder, "shares_", None)
    task = estimator.task_
    classes = getattr(task, "classes_", None)
    regression = task.kind == "regression"
    return {
        "format_version": FORMAT_VERSION,
        "library_version": __version__,
        "config": {
            "n_inputs": module.n_inputs,
            "n_outputs": module.n_outputs,
            "hidden_size": module.hidden_size,
            "symbolic": symbolic,
            "cell": module.cell,
            "nonlinearity": module.nonlinearity,
            "num_layers": module.num_layers,
            "bidirectional": module.bidirectional,
            "pooling": module.pooling,
            "task": task.kind,
            "per_step": module.per_step,
            "single_output": bool(getattr(task, "single_output_", False)),
            "word_features": bool(getattr(encoder, "word_features", False)),
            "input_kind": encoder.kind_,
            "ngram_range": list(encoder.ngram_range),
            "wide_ngram_range": None if wide is None else list(wide.ngram_range),
            "mean": None if encoder.mean_ is None else encoder.mean_.tolist(),
            "scale": None if encoder.scale_ is None else encoder.scale_.tolist(),
            "patch_size": int(getattr(encoder, "patch_size_", 1)),
            "per_record": bool(encoder._reads_record_view()),
            "crf": bool(module.crf),
            "multilabel": bool(getattr(task, "multilabel", False)),
            "conv_filters": int(module.conv_filters),
            "conv_dilations": [int(d) for d in module.conv_dilations],
            "n_step_shares": int(getattr(module, "n_step_shares", 0)),
        },
        "state_dict": {
            k: v.detach().cpu().clone() for k, v in module.state_dict().items()
        },
        "vocabulary": vocabulary,
        "wide_vocabulary": None
        if wide is None
        else [_plain_gram(g) for g in wide.vocabulary_],
        "kernels": None if kernels is None else _kernel_arrays(kernels),
        "shares": None
        if shares is None
        else {
            **_kernel_arrays(shares.kernels),
            "mean": torch.as_tensor(shares.mean),
            "scale": torch.as_tensor(shares.scale),
        },
        "analyzer": analyzer,
        "classes": None if classes is None else [_plain(c) for c in classes],
        "target_mean": task.mean_.tolist() if regression else None,
        "target_scale": task.scale_.tolist() if regression else None,
        "allowed_transitions": _allowed_transitions(task),
        "word_lexicons": [
            {
                "name": lexicon.name,
                "prefixes": list(lexicon.prefixes),
                "entries": lexicon.to_dict(),
            }
            for lexicon in encoder._lexicons()
        ],
    }


def _kernel_arrays(kernels) -> dict:
    """A fitted ``_kernels.KernelFeatures`` as tensors and built-in types."""
    return {
        "dilations": [int(d) for d in kernels.dilations],
        "weights": torch.as_tensor(kernels.weights),
        "biases": torch.as_tensor(kernels.biases),
        "mean": torch.as_tensor(kernels.mean),
        "scale": torch.as_tensor(kernels.scale),
    }


def _allowed_transitions(task) -> dict | None:
    allowed = getattr(task, "allowed_", None)
    if allowed is None:
        return None
    start, transitions, end = (np.asarray(a).tolist() for a in allowed)
    return {"start": start, "transitions": transitions, "end": end}


def save_network(estimator, path) -> None:
    """Write :func:`export_network`'s artefact to ``path`` with ``torch.save``.

    The file holds tensors and built-in types only, so
    ``torch.load(path, weights_only=True)`` reads it without unpickling code,
    and ``sklearn_rnn/standalone.py`` (one file, torch only) predicts from it
    in a service that does not install sklearn-rnn. Weights are saved on the
    CPU whatever the estimator's ``device``.

    Parameters
    ----------
    estimator : fitted RNNSequenceClassifier, RNNSequenceRegressor, \
RNNSequenceTagger or RNNEmbeddingTransformer
    path : str or path-like
        Where to write the file (conventionally ``.pt``).

    Examples
    --------
    >>> from sklearn_rnn import RNNSequenceClassifier
    >>> from sklearn_rnn.export import save_network
    >>> clf = RNNSequenceClassifier(hidden_size=4, max_iter=2).fit(
    ...     ["ab", "ba", "aab", "bba"], [0, 1, 0, 1])
    >>> save_network(clf, tmp_path / "model.pt")  # doctest: +SKIP
    """
    torch.save(export_network(estimator), path)
