"""RNNSequenceTagger: label every step of a sequence (the Falcon seed)."""

from __future__ import annotations

import numpy as np
from sklearn.base import _fit_context
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted

from sklearn_rnn._base import BaseRNN
from sklearn_rnn._docstrings import SHARED_ATTRIBUTES, SHARED_PARAMETERS, document
from sklearn_rnn._lexicons import WordLexicon
from sklearn_rnn._tag_schemes import SCHEMES
from sklearn_rnn._tasks import CRFTaggingTask, TaggingTask
from sklearn_rnn.metrics import flat_accuracy_score


class RNNSequenceTagger(BaseRNN):
    _parameter_constraints: dict = {
        **{
            k: v
            for k, v in BaseRNN._parameter_constraints.items()
            if k not in ("patch_size", "conv_filters", "kernel_shares")
        },
        "word_features": ["boolean"],
        "word_lexicons": [None, WordLexicon, list, tuple],
        "use_crf": ["boolean"],
        "tag_scheme": [StrOptions({"auto", *SCHEMES}), None],
        # The record view ("auto") was measured on whole-sequence tasks only.
        "standardize": ["boolean"],
    }

    _ENCODING = (*BaseRNN._ENCODING, "word_features", "word_lexicons")
    _ARCHITECTURE = (*BaseRNN._ARCHITECTURE, "use_crf")
    _MODULE_ATTRIBUTES = {"use_crf": "crf"}
    _AUTO_EPOCHS = 10
    _ROW_UPDATES = True
    _AUTO_PATIENCE = 5
    # Five epochs at any size: no treebank here is large enough to measure a
    # shorter wait on (EWT's dev and test sets are 2,000 sentences each).
    _AUTO_PATIENCE_RECORDS = None

    def __init__(
        self,
        *,
        hidden_size=64,
        cell="gru",
        nonlinearity="tanh",
        num_layers=1,
        bidirectional=True,
        dropout=0.25,
        recurrent_dropout=0.0,
        symbol_dropout=0.25,
        pooling="last",
        fit_mode="vectorized",
        batch_size=32,
        max_iter="auto",
        learning_rate_init=0.005,
        alpha=0.0001,
        ema_decay=0.98,
        clip_grad_norm=1.0,
        bptt_steps=None,
        shuffle=True,
        length_bucketing=True,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change="auto",
        tol=1e-4,
        label_smoothing=0.0,
        class_weight=None,
        analyzer="char",
        ngram_range=(1, 1),
        max_ngrams=None,
        word_features=True,
        word_lexicons=None,
        use_crf=False,
        tag_scheme="auto",
        standardize=True,
        warm_start=False,
        device="cpu",
        n_threads="auto",
        n_workers=1,
        inference_dtype="auto",
        callbacks=None,
        verbose=0,
        random_state=None,
    ):
        # Every parameter is stored as given (scikit-learn's convention).
        for name, value in locals().items():
            if name != "self":
                setattr(self, name, value)

    def _encoder_options(self) -> dict:
        return {
            "word_features": self.word_features,
            "word_lexicons": self.word_lexicons,
        }

    def _make_task(self, y, *, symbolic):
        task = CRFTaggingTask if self.use_crf else TaggingTask
        return task(self.class_weight, self.label_smoothing, self.tag_scheme)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train the network to label every step of the sequences ``X``.

        Parameters
        ----------
        X : list of str, list of token lists, list of feature-dict lists, \
array-like of shape (n_samples, n_steps[, n_features]), or list of arrays
            The sequences: strings are tagged per character, token lists per
            token, numeric series per time step; lists of ``{feature: value}``
            dicts are sklearn-crfsuite's form (str values are categorical,
            numbers weigh their feature).
        y : list of label sequences
            ``y[i]`` holds one label per step of ``X[i]``.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sequence; each of its steps weighs as much in the loss.

        Returns
        -------
        self : RNNSequenceTagger
        """
        return self._fit(X, y, sample_weight)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One pass over ``X`` and ``y``, continuing the network (streaming).

        The first call fixes the vocabulary, the input shape, the classes
        and (numeric input) the standardisation, from its data; symbols
        never seen then read as unknown later. Each call is one epoch over
        the given records, with no held-out data; the AdamW state carries
        over, and ``loss_curve_``/``n_iter_`` grow by one. ``fit`` starts
        over.

        Parameters
        ----------
        X : sequences, in any form ``fit`` takes
        y : list of label sequences
            One label per step of each record.
        classes : array-like of shape (n_classes,), default=None
            Every class of the stream; required on the first call, after
            which each call's ``y`` may hold any subset of them.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the records in the loss.

        Returns
        -------
        self : RNNSequenceTagger
        """
        return self._fit(X, y, sample_weight, partial=True, classes=classes)

    def _step_logits(self, X):
        """Logits of every step of every record, and the records' lengths."""
        records, _ = self._records_for_inference(X)
        return self._run_module(records, "logits"), records.lengths

    def predict_proba(self, X):
        """Tag probabilities of every step.

        With ``use_crf=True`` these are the CRF's marginals: the probability
        of each tag at a step, summed over every tag sequence of the record
        (forward-backward), so they account for the neighbouring tags.

        Returns
        -------
        proba : list of ndarray of shape (len_i, n_tags)
            One array per sequence, columns in the order of ``classes_``.
        """
        logits, lengths = self._step_logits(X)
        proba = self.task_.step_probabilities(logits, lengths, self.module_)
        return np.split(proba, np.cumsum(lengths)[:-1])

    def predict_marginals(self, X):
        """Tag probabilities of every step as ``{tag: probability}`` dicts
        (sklearn-crfsuite's ``predict_marginals``).

        Parameters
        ----------
        X : list of token lists, strings or feature-dict sequences
            The sequences to tag.

        Returns
        -------
        marginals : list of lists of dict
            One dict per step of each sequence, tag -> probability.
        """
        probas = self.predict_proba(X)  # checks that the model is fitted
        tags = self.classes_.tolist()
        return [[dict(zip(tags, row.tolist())) for row in proba] for proba in probas]

    def predict(self, X):
        """Most probable tag of every step.

        Returns
        -------
        y : ndarray of shape (n_samples,), dtype=object
            ``y[i]`` is the list of tags of ``X[i]`` (as sklearn-crfsuite returns).
        """
        logits, lengths = self._step_logits(X)
        tags = self.task_.decode_steps(logits, lengths, self.module_)
        out = np.empty(len(lengths), dtype=object)
        out[:] = [t.tolist() for t in np.split(tags, np.cumsum(lengths)[:-1])]
        return out

    def predict_single(self, xseq):
        """Tags of one sequence (sklearn-crfsuite's ``predict_single``).

        Parameters
        ----------
        xseq : str, token list or list of feature dicts
            One sequence.

        Returns
        -------
        tags : list
            One tag per step.
        """
        return self.predict([xseq])[0]

    def predict_marginals_single(self, xseq):
        """Tag probabilities of every step of one sequence as ``{tag:
        probability}`` dicts (sklearn-crfsuite's ``predict_marginals_single``).

        Parameters
        ----------
        xseq : str, token list or list of feature dicts
            One sequence.

        Returns
        -------
        marginals : list of dict
        """
        return self.predict_marginals([xseq])[0]

    @property
    def tag_scheme_(self) -> str | None:
        """The tag scheme that decoding follows ("BIO", "BIOES", "BILOU"), or
        None where every pair of tags is allowed (see ``tag_scheme``)."""
        check_is_fitted(self, "module_")
        return getattr(self.task_, "tag_scheme_", None)

    @property
    def transition_features_(self) -> dict:
        """``{(from_tag, to_tag): weight}``: the CRF's learned transition
        scores (sklearn-crfsuite's attribute of the same name); only with
        ``use_crf=True``. Pairs that the tag scheme (``tag_scheme_``)
        forbids weigh ``-inf``."""
        check_is_fitted(self, "module_")
        if not self.module_.crf:
            raise AttributeError(
                "transition_features_ exists only with use_crf=True: this "
                "tagger scores every step on its own (a softmax per step)."
            )
        weights = self.task_.crf_scores(self.module_)[1].numpy()
        tags = self.classes_.tolist()
        return {
            (a, b): float(weights[i, j])
            for i, a in enumerate(tags)
            for j, b in enumerate(tags)
        }

    def score(self, X, y, sample_weight=None):
        """Token accuracy: the share of all steps whose tag is right (each step
        weighing its sequence's ``sample_weight``).

        Parameters
        ----------
        X : list of token lists, strings or feature-dict sequences
            The sequences.
        y : list of tag lists
            The true tags, one per step.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sequence, given to each of its steps.

        Returns
        -------
        score : float
        """
        return flat_accuracy_score(y, self.predict(X), sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.one_d_labels = False
        tags.target_tags.two_d_labels = False
        return tags


RNNSequenceTagger.__doc__ = f"""Recurrent-network tagger: one label for every step of a sequence.

The network of :class:`RNNSequenceClassifier` with its head ``V h_t + c`` read
at every real step instead of once per sequence: part-of-speech or entity tags
for the words of a sentence, a label per character, a state per time step of a
series. Batches are padded and the pads never enter the loss (they are never
computed). By default the tagger reads each sentence in both directions and,
for word tokens, gives every word its lowercase form, prefixes, suffixes and
shape as extra symbols, so words never seen in ``fit`` are tagged from their
spelling.

Parameters
----------
{
    document(
        SHARED_PARAMETERS,
        defaults={
            "bidirectional": "True",
            "symbol_dropout": "0.25",
            "batch_size": "32",
            "early_stopping": "False",
            "ngram_range": "(1, 1)",
            "max_ngrams": "None",
            "pooling": '"last"',
        },
        drop=("patch_size", "conv_filters", "kernel_shares"),
        extra={
            "max_iter": '''max_iter : int or "auto", default="auto"
    Maximum number of epochs. An int the fit reaches raises sklearn's
    ``ConvergenceWarning``. "auto" is at least 10 epochs and at least 500
    updates: ten passes over a treebank of thousands of sentences, and
    enough passes for a handful of sentences to be learnt (one batch, one
    update an epoch); ending the budget raises no warning.''',
            "n_iter_no_change": '''n_iter_no_change : int or "auto", default="auto"
    Epochs without an improvement of at least ``tol`` before stopping.
    "auto" is at least 5 epochs and at least 50 updates.''',
            "standardize": '''standardize : bool, default=True
    Numeric input: learn each channel's mean and standard deviation over all
    steps of all training sequences (weighted by ``sample_weight``) and
    rescale to mean 0 and variance 1 before the network, in ``fit`` and at
    predict time. False feeds the values as they are.''',
            "use_crf": '''use_crf : bool, default=False
    Put a linear-chain CRF on the per-step scores (a BiLSTM-CRF, Lample et
    al. 2016): learned transition scores between consecutive tags (and for
    the first and last tag), trained on the likelihood of each record's
    whole tag sequence. ``predict`` then returns the best sequence (Viterbi),
    in which a tag pair never seen in training scores low (and a pair that
    ``tag_scheme`` forbids never occurs), ``predict_proba`` the marginals
    (forward-backward), and ``transition_features_`` the transition scores. Not with
    ``class_weight`` or ``label_smoothing``.''',
            "pooling": '''pooling : {"last", "mean", "max", "concat"}, default="last"
    Has no effect on tagging: the head reads the state at every step.''',
            "tag_scheme": '''tag_scheme : {"auto", "BIO", "BIOES", "BILOU"} or None, default="auto"
    Span labels whose scheme forbids some tag pairs (``I-X`` after ``O`` in
    BIO, also called IOB2; BIOES and BILOU also close spans with
    ``E-X``/``L-X`` and mark one-step spans ``S-X``/``U-X``). Under a scheme
    ``predict`` never returns a forbidden sequence: with ``use_crf=True``
    the CRF's scores of forbidden pairs are -inf, in training and decoding;
    without it ``predict`` returns the most probable allowed sequence under
    the per-step probabilities (Viterbi; ``predict_proba`` stays per step,
    so its argmax can differ). "auto" uses the least strict scheme whose
    prefixes cover every training label, where every training sequence
    follows it (labels in IOB1, where ``I-X`` may open a span, are read as
    they are), and none otherwise; a named scheme raises ``ValueError`` on
    training labels it forbids. None allows every pair. The scheme used is
    ``tag_scheme_``.''',
            "word_features": '''word_features : bool, default=True
    Token input: each step also carries its word's lowercase form, 1-4 letter
    prefixes and suffixes and its shape (``"Xxxx"``, ``"dd"``), summed into
    the step's input. Words never seen in ``fit`` are the norm in tagging;
    these symbols let the tagger guess them from their spelling.''',
            "word_lexicons": '''word_lexicons : WordLexicon or list of WordLexicon, default=None
    Token input: each step also carries its word's values in each lexicon
    (hierarchical word clusters, the word classes a dictionary lists), looked
    up as written, else in lowercase. Knowledge from far more text than the
    training data, for the words it never saw: on the English Web Treebank
    (trained on its dev set) Brown clusters and WordNet word classes take
    UPOS accuracy from 0.921 to 0.938 (see
    :func:`sklearn_rnn.datasets.load_english_lexicons`). The fitted model
    holds the lexicons, so its saved files grow by their size.''',
        },
    )
}

Attributes
----------
{
    document(
        SHARED_ATTRIBUTES,
        extra={
            "classes_": '''classes_ : ndarray of shape (n_tags,)
    Tag labels.''',
            "tag_scheme_": '''tag_scheme_ : str or None
    The scheme ``predict`` follows ("BIO", "BIOES" or "BILOU"; see
    ``tag_scheme``), or None where every pair of tags is allowed.''',
        },
    )
}

See Also
--------
RNNSequenceClassifier : One label per sequence.
sklearn_rnn.metrics : Flat accuracy, flat F1 and sequence accuracy scorers.

Notes
-----
``pooling`` has no effect on tagging (the head reads every step). Empty
sequences are valid and get empty predictions.

The defaults differ from the classifier's where measurement on the English
Web Treebank said so (``benchmarks/tagging.py``): both reading directions,
word features with word dropout (``symbol_dropout=0.25``), batches of 32, and
ten passes over all the data rather than early stopping, because holding out a
tenth of a small treebank cost more accuracy (0.918 against 0.921) than
choosing the epoch gained; the validation loss of a tagger bottoms out epochs
before its accuracy does. Set ``early_stopping=True`` for large corpora.

Examples
--------
>>> from sklearn_rnn import RNNSequenceTagger
>>> X = [["the", "dog", "barks"], ["a", "cat", "sleeps"], ["dogs", "bark"]]
>>> y = [["DET", "NOUN", "VERB"], ["DET", "NOUN", "VERB"], ["NOUN", "VERB"]]
>>> tagger = RNNSequenceTagger(random_state=0).fit(X, y)
>>> tagger.predict([["the", "cat", "sleeps"]])[0]
['DET', 'NOUN', 'VERB']
"""
