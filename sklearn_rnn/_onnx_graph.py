"""The exported network (``sklearn_rnn.export.export_network``) as ONNX nodes.

Knows nothing of scikit-learn or skl2onnx: it writes nodes through a small
``graph`` object (``op`` and ``const``, see :class:`GraphWriter`), so the same
code serves skl2onnx's converters and any other graph builder.

What the library computes record by record becomes batch operations over
right-padded tensors plus each record's length:

- strings are split into characters (or whitespace-separated words) inside
  the graph by onnxruntime's ``com.microsoft.Tokenizer``; the n-grams that end
  at each step are joined with ``StringConcat`` and looked up with
  ``ai.onnx.ml.LabelEncoder`` (unseen ones get id 0, whose column of ``U`` is
  zero, as in the library);
- the recurrence is ONNX's own ``RNN``/``GRU``/``LSTM`` operator, whose
  ``sequence_lens`` input stops every record at its own length (pad steps
  never change a result, as in the library), gates reordered from torch's
  layout to ONNX's;
- pooling masks the pad steps; the wide term counts the record's n-grams with
  their boundaries, or for numbers runs ONNX's ``Conv`` with each dilation's
  kernels and counts the real steps above each bias.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from sklearn_rnn._module import CONV_LENGTH, front_stride
from sklearn_rnn._pooling import POOLED_PARTS

# What pads the token matrix. It can never be a token: tokens of the character
# analyzer are one character, those of the word analyzer hold no whitespace;
# the non-characters make every n-gram that includes it unknown.
RESERVED = "\ufdd0"  # a Unicode non-character, kept out of every vocabulary
PAD = f"{RESERVED} pad {RESERVED}"
# Joins the tokens of a word n-gram: tokens hold no whitespace, so the joined
# form is unambiguous.
WORD_JOIN = " "
# torch stacks gates as (r, z, n) for a GRU and (i, f, g, o) for an LSTM;
# ONNX as (z, r, h) and (i, o, f, c).
GATE_ORDER = {"rnn": [0], "gru": [1, 0, 2], "lstm": [0, 3, 1, 2]}
ONNX_CELL = {"rnn": "RNN", "gru": "GRU", "lstm": "LSTM"}


class GraphWriter(Protocol):
    """What :func:`network_nodes` needs from a graph builder."""

    def op(self, op_type, inputs, *, domain="", n_outputs=1, outputs=None, **attrs):
        """Add a node; return its output name (a list when ``n_outputs > 1``)."""

    def const(self, value) -> str:
        """Add an initializer holding ``value``; return its name."""


class NotConvertible(ValueError):
    """The fitted model uses a setting the ONNX graph cannot express."""


def check_convertible(artefact: dict) -> None:
    """Raise :class:`NotConvertible` naming the setting that has no ONNX form."""
    cfg = artefact["config"]
    kind = cfg.get("input_kind")
    if cfg["symbolic"]:
        if kind != "text":
            raise NotConvertible(
                f"ONNX conversion reads strings or numeric arrays; this model "
                f"was fitted on {kind} (token lists or feature dicts). Fit it on "
                "strings (analyzer='char' or 'word') to convert it."
            )
        if artefact["analyzer"] not in ("char", "word"):
            raise NotConvertible(
                "ONNX conversion supports analyzer='char' and 'word'; this model "
                "uses a custom analyzer, which the graph cannot run."
            )
        keys = [_key_text(k) for k in artefact["vocabulary"]]
        keys += [_key_text(k) for k in artefact.get("wide_vocabulary") or []]
        if any(RESERVED in k for k in keys):
            raise NotConvertible(
                "The vocabulary holds U+FDD0, which the ONNX graph reserves "
                "for padding."
            )


def _key_text(key) -> str:
    """A vocabulary key as the string the graph builds: characters and their
    n-grams are strings already; word n-grams ``("ngram", a, b)`` and the wide
    term's token tuples are their tokens joined by a space."""
    if isinstance(key, str):
        return key
    parts = key[1:] if key and key[0] == "ngram" else key
    return WORD_JOIN.join(parts)


def _ids(graph, grams: str, keys: list) -> str:
    """Id of each string of ``grams`` (position in ``keys`` + 1; 0 unknown)."""
    if not keys:
        return graph.op(
            "ConstantOfShape",
            [graph.op("Shape", [grams])],
            value=np.zeros(1, np.int64),
        )
    return graph.op(
        "LabelEncoder",
        [grams],
        domain="ai.onnx.ml",
        keys_strings=[_key_text(k) for k in keys],
        values_int64s=list(range(1, len(keys) + 1)),
        default_int64=0,
    )


def _shifted_grams(graph, tokens: str, n: int, join: str) -> str:
    """``[N, L - n + 1]``: the n-gram starting at each position of
    ``tokens`` ``[N, L]``, its tokens joined by ``join``."""
    axis = graph.const(np.array([1], np.int64))
    end = graph.op(
        "Sub",
        [
            graph.op("Shape", [tokens], start=1, end=2),
            graph.const(np.array([n - 1], np.int64)),
        ],
    )
    gram = None
    for k in range(n):
        start = graph.const(np.array([k], np.int64))
        stop = graph.op("Add", [end, graph.const(np.array([k], np.int64))])
        part = graph.op("Slice", [tokens, start, stop, axis])
        if gram is None:
            gram = part
        else:
            if join:
                gram = graph.op("StringConcat", [gram, graph.const(np.array(join))])
            gram = graph.op("StringConcat", [gram, part])
    return gram


def _columns(graph, like: str, value: str, count: int) -> str:
    """``[N, count]`` string tensor of ``value`` with the rows of ``like``."""
    rows = graph.op("Shape", [like], start=0, end=1)
    shape = graph.op("Concat", [rows, graph.const(np.array([count], np.int64))], axis=0)
    return graph.op("Expand", [graph.const(np.array([value], dtype=object)), shape])


def _tokens(graph, artefact: dict, x: str):
    """Split strings ``[N]`` into a token matrix ``[N, L + 1]`` padded with
    PAD (one pad column always, so no tensor is empty) and the lengths ``[N]``."""
    pattern = "(?s)." if artefact["analyzer"] == "char" else r"\S+"
    tokens = graph.op(
        "Tokenizer",
        [x],
        domain="com.microsoft",
        mark=0,
        mincharnum=1,
        pad_value=PAD,
        tokenexp=pattern,
    )
    tokens = graph.op("Concat", [tokens, _columns(graph, x, PAD, 1)], axis=1)
    is_pad = graph.op("Equal", [tokens, graph.const(np.array(PAD, dtype=object))])
    lengths = graph.op(
        "ReduceSum",
        [
            graph.op("Cast", [graph.op("Not", [is_pad])], to=7),
            graph.const(np.array([1])),
        ],
        keepdims=0,
    )
    return tokens, lengths


def _step_ids(graph, artefact: dict, tokens: str) -> str:
    """``[N, L, k]``: the ids of the ``k`` n-grams ending at each step."""
    lo, hi = artefact["config"].get("ngram_range", (1, 1))
    join = "" if artefact["analyzer"] == "char" else WORD_JOIN
    grams = []
    for n in range(lo, hi + 1):
        if n == 1:
            gram = tokens
        else:  # n - 1 pads in front: steps before the n-th have no n-gram
            padded = graph.op(
                "Concat", [_columns(graph, tokens, PAD, n - 1), tokens], axis=1
            )
            gram = _shifted_grams(graph, padded, n, join)
        grams.append(graph.op("Unsqueeze", [gram, graph.const(np.array([2]))]))
    stacked = grams[0] if len(grams) == 1 else graph.op("Concat", grams, axis=2)
    return _ids(graph, stacked, artefact["vocabulary"])


def _looked_up(graph, table: str, ids: str, bag: int) -> str:
    """``[N, L, G*H]``: the sum of the ``table`` rows of each step's ids
    (``[N, L, bag]``); id 0's row is zero. One gather per n-gram size,
    added, rather than one 4-D gather summed (half the memory traffic)."""
    summed = None
    for j in range(bag):
        step_ids = graph.op("Gather", [ids, graph.const(np.int64(j))], axis=2)
        part = graph.op("Gather", [table, step_ids])
        summed = part if summed is None else graph.op("Add", [summed, part])
    return summed


def _wide_term(graph, artefact: dict, tokens: str, lengths: str, V_bag) -> str:
    """``[N, n_outputs]``: ``V_bag`` times the counts of the record's wide
    n-grams, read with a boundary at both ends (never the boundary alone)."""
    char = artefact["analyzer"] == "char"
    boundary, join = (" ", "") if char else ("", WORD_JOIN)
    lo, hi = artefact["config"]["wide_ngram_range"]
    # [boundary, tokens..., PAD] with the closing boundary at position len + 1.
    extended = graph.op(
        "Concat",
        [_columns(graph, tokens, boundary, 1), tokens, _columns(graph, tokens, PAD, 1)],
        axis=1,
    )
    positions = graph.op(
        "Range",
        [
            graph.const(np.int64(0)),
            graph.op("Squeeze", [graph.op("Shape", [extended], start=1, end=2)]),
            graph.const(np.int64(1)),
        ],
    )
    closing = graph.op(
        "Equal",
        [
            graph.op("Unsqueeze", [positions, graph.const(np.array([0]))]),
            graph.op(
                "Unsqueeze",
                [
                    graph.op("Add", [lengths, graph.const(np.int64(1))]),
                    graph.const(np.array([1])),
                ],
            ),
        ],
    )
    extended = graph.op(
        "Where", [closing, graph.const(np.array(boundary, dtype=object)), extended]
    )
    grams = [
        tokens if n == 1 else _shifted_grams(graph, extended, n, join)
        for n in range(lo, hi + 1)
    ]
    grams = grams[0] if len(grams) == 1 else graph.op("Concat", grams, axis=1)
    ids = _ids(graph, grams, artefact["wide_vocabulary"])
    counted = graph.op("Gather", [graph.const(V_bag.T.copy()), ids])  # [N, P, K]
    total = graph.op("ReduceSum", [counted, graph.const(np.array([1]))], keepdims=0)
    # An empty record reads no n-gram (its two boundaries are not one).
    nonempty = graph.op(
        "Cast", [graph.op("Greater", [lengths, graph.const(np.int64(0))])], to=1
    )
    return graph.op(
        "Mul", [total, graph.op("Unsqueeze", [nonempty, graph.const(np.array([1]))])]
    )


def _real_steps(graph, x: str, lengths: str) -> str:
    """``[N, T, 1]`` bool: which steps of ``x`` ``[N, T, ...]`` are within
    each record's length."""
    steps = graph.op("Shape", [x], start=1, end=2)
    positions = graph.op(
        "Range",
        [
            graph.const(np.int64(0)),
            graph.op("Squeeze", [steps]),
            graph.const(np.int64(1)),
        ],
    )
    real = graph.op(
        "Less",
        [
            graph.op("Unsqueeze", [positions, graph.const(np.array([0]))]),
            graph.op("Unsqueeze", [lengths, graph.const(np.array([1]))]),
        ],
    )
    return graph.op("Unsqueeze", [real, graph.const(np.array([2]))])


def _masked_moments(graph, x: str, real3: str, count: str):
    """Mean and standard deviation over each record's real steps of
    ``x`` ``[N, T, F]`` (``real3`` ``[N, T, 1]``, ``count`` ``[N, 1, 1]``).
    Pad steps are selected away, not multiplied by 0: they may hold NaN."""
    axis = graph.const(np.array([1]))
    zero = graph.const(np.float32(0))
    mean = graph.op(
        "Div",
        [
            graph.op(
                "ReduceSum", [graph.op("Where", [real3, x, zero]), axis], keepdims=1
            ),
            count,
        ],
    )
    centred = graph.op("Sub", [x, mean])
    squares = graph.op("Mul", [centred, centred])
    var = graph.op(
        "Div",
        [
            graph.op(
                "ReduceSum",
                [graph.op("Where", [real3, squares, zero]), axis],
                keepdims=1,
            ),
            count,
        ],
    )
    return mean, centred, graph.op("Sqrt", [var])


def _standardised(graph, cfg: dict, x: str) -> str:
    x = graph.op("Cast", [x], to=1)
    if cfg.get("mean") is None:
        return x
    return graph.op(
        "Div",
        [
            graph.op("Sub", [x, graph.const(np.asarray(cfg["mean"], np.float32))]),
            graph.const(np.asarray(cfg["scale"], np.float32)),
        ],
    )


def _kernel_term(graph, kernels: dict, V_kernels, x: str, lengths: str) -> str:
    """``[N, n_outputs]``: ``V_kernels`` times each record's convolution
    features (``sklearn_rnn._kernels``) over 1 / sqrt(their number). ``x``
    is the standardised steps ``[N, T, C]``, right-padded: pad steps are
    selected away (they may hold NaN) and read as the zeros a record alone
    is padded with."""
    real3 = _real_steps(graph, x, lengths)
    x = graph.op("Where", [real3, x, graph.const(np.float32(0))])
    channels_first = graph.op("Transpose", [x], perm=[0, 2, 1])
    real = graph.op(  # [N, 1, 1, T]
        "Unsqueeze",
        [
            graph.op("Squeeze", [real3, graph.const(np.array([2]))]),
            graph.const(np.array([1, 2])),
        ],
    )
    count = graph.op(
        "Reshape",
        [
            graph.op(
                "Max", [graph.op("Cast", [lengths], to=1), graph.const(np.float32(1))]
            ),
            graph.const(np.array([-1, 1, 1])),
        ],
    )
    parts = []
    for above in _above_biases(graph, kernels, channels_first):
        share = graph.op(
            "Div",
            [
                graph.op(
                    "ReduceSum",
                    [
                        graph.op("Cast", [graph.op("And", [above, real])], to=1),
                        graph.const(np.array([3])),
                    ],
                    keepdims=0,
                ),
                count,
            ],
        )
        parts.append(graph.op("Flatten", [share], axis=1))
    features = graph.op("Concat", parts, axis=1)
    n_features = int(np.asarray(kernels["mean"]).size)
    standardised = graph.op(
        "Div",
        [
            graph.op(
                "Sub", [features, graph.const(np.asarray(kernels["mean"], np.float32))]
            ),
            graph.const(np.asarray(kernels["scale"], np.float32)),
        ],
    )
    weights = (np.asarray(V_kernels) / np.sqrt(n_features)).T.astype(np.float32)
    return graph.op("MatMul", [standardised, graph.const(weights.copy())])


def _above_biases(graph, kernels: dict, channels_first: str):
    """Per dilation of ``kernels`` (``dilations``, ``weights``, ``biases``
    as ``sklearn_rnn._kernels`` draws them), ``[N, kernels, biases, T]``:
    whether each kernel's output over ``channels_first`` ``[N, C, T]``
    (zeros beyond both ends) exceeds each of its biases."""
    for dilation, weights, biases in zip(
        kernels["dilations"], kernels["weights"], kernels["biases"]
    ):
        conv = graph.op(
            "Conv",
            [channels_first, graph.const(np.asarray(weights, np.float32))],
            dilations=[int(dilation)],
            pads=[4 * int(dilation), 4 * int(dilation)],
        )
        yield graph.op(
            "Greater",
            [
                graph.op("Unsqueeze", [conv, graph.const(np.array([2]))]),
                graph.const(np.asarray(biases, np.float32)[:, :, None]),
            ],
        )


def _numeric_steps(
    graph, cfg: dict, x: str, lengths: str, params: dict, shares: dict | None
):
    """The standardised steps ``x`` as the network reads them ``[N, T',
    F']`` (with the record view, patches, the running shares and the
    convolutional front end's columns when the model reads them) and their
    count per record."""
    real3 = _real_steps(graph, x, lengths)
    if cfg.get("per_record"):
        count = graph.op(
            "Reshape",
            [
                graph.op(
                    "Max",
                    [graph.op("Cast", [lengths], to=1), graph.const(np.float32(1))],
                ),
                graph.const(np.array([-1, 1, 1])),
            ],
        )
        mean, centred, std = _masked_moments(graph, x, real3, count)
        # A channel constant to 1e-6 of its level reads as zeros.
        floor = graph.op(
            "Mul",
            [
                graph.op("Max", [graph.op("Abs", [mean]), graph.const(np.float32(1))]),
                graph.const(np.float32(1e-6)),
            ],
        )
        std = graph.op(
            "Where",
            [graph.op("Greater", [std, floor]), std, graph.const(np.float32(1))],
        )
        x = graph.op("Concat", [x, graph.op("Div", [centred, std])], axis=2)
    size = int(cfg.get("patch_size", 1))
    columns = []
    if cfg.get("n_step_shares"):
        # The shares read the channels the network reads.
        columns.append(_running_shares(graph, shares, x, lengths, size))
    series = x
    if size > 1:
        x, series, lengths = _patches(graph, x, lengths, size)
    if columns:
        x = graph.op("Concat", [x, *columns], axis=2)
    if cfg.get("conv_filters"):
        front = _front_end(graph, cfg, params, series, lengths, size)
        x = graph.op("Concat", [x, *front], axis=2)
    return x, lengths


def _front_end(graph, cfg: dict, params: dict, series: str, patches: str, size):
    """The convolutional front end's columns (``MatrixRNN._read_front_end``):
    per dilation, ``[N, P, filters]`` means and then maxima over each patch
    of the filters' ReLU outputs, read every ``front_stride`` steps.
    ``series`` ``[N, P * size, C]`` is the patched steps, which
    records fill up to ``patches * size``; steps past that read as zeros,
    as beyond a record alone. ONNX's ``Conv`` runs every step and a strided
    ``Slice`` keeps the ones read."""
    int_ = lambda v: graph.const(np.array(v, np.int64))  # noqa: E731
    real3 = _real_steps(graph, series, graph.op("Mul", [patches, int_(size)]))
    series = graph.op("Where", [real3, series, graph.const(np.float32(0))])
    channels_first = graph.op("Transpose", [series], perm=[0, 2, 1])
    parts = []
    for i, dilation in enumerate(cfg["conv_dilations"]):
        reach = (CONV_LENGTH // 2) * int(dilation)
        maps = graph.op(
            "Relu",
            [
                graph.op(
                    "Conv",
                    [
                        channels_first,
                        graph.const(params[f"front_weight_{i}"].astype(np.float32)),
                        graph.const(params[f"front_bias_{i}"].astype(np.float32)),
                    ],
                    dilations=[int(dilation)],
                    pads=[reach, reach],
                )
            ],
        )  # [N, filters, P * size]
        by_patch = graph.op(  # [N, filters, P, size]
            "Reshape", [maps, int_([0, 0, -1, size])]
        )
        stride = front_stride(int(dilation), size)
        read = graph.op(
            "Slice", [by_patch, int_([0]), int_([size]), int_([3]), int_([stride])]
        )
        for reduce in ("ReduceMean", "ReduceMax"):
            pooled = graph.op(reduce, [read, int_([3])], keepdims=0)
            parts.append(graph.op("Transpose", [pooled], perm=[0, 2, 1]))
    return parts


def _running_shares(graph, shares: dict, view: str, lengths: str, size: int):
    """``[N, P, n_step_shares]``: the running shares of the kernels
    ``shares`` describes (``sklearn_rnn._running_shares``) at the end of each
    patch. ``view`` ``[N, T, C]`` is the steps they read, right-padded (pad
    steps, which may hold NaN, read as zeros). Each record's above-bias
    indicators move right by its front (the steps the patches repeat in
    front, which count nowhere), so its patches start at 0 as ``_patches``
    lays them out; the counts add up along the patches (``CumSum``)."""
    int_ = lambda v: graph.const(np.array(v, np.int64))  # noqa: E731
    real3 = _real_steps(graph, view, lengths)
    view = graph.op("Where", [real3, view, graph.const(np.float32(0))])
    channels_first = graph.op("Transpose", [view], perm=[0, 2, 1])
    real = graph.op("Cast", [real3], to=1)  # [N, T, 1]
    parts = []
    for above in _above_biases(graph, shares, channels_first):
        above = graph.op("Cast", [above], to=1)
        parts.append(  # [N, T, kernels * biases], kernel-major
            graph.op(
                "Reshape",
                [graph.op("Transpose", [above], perm=[0, 3, 1, 2]), int_([0, 0, -1])],
            )
        )
    # [N, T, shares + 1]: the indicators of the real steps, and the real
    # steps themselves (the shares' denominators) as the last column.
    above = graph.op("Mul", [graph.op("Concat", parts, axis=2), real])
    counted = graph.op("Concat", [above, real], axis=2)
    # Slots in front of a record's first step and past the batch's last
    # count nothing (a pad step within the batch counts zeros anyway).
    source, inside, _, total_patches = _patch_grid(graph, view, lengths, size)
    gathered = graph.op(
        "GatherND", [counted, graph.op("Unsqueeze", [source, int_([2])])], batch_dims=1
    )
    gathered = graph.op(
        "Mul",
        [
            gathered,
            graph.op("Unsqueeze", [graph.op("Cast", [inside], to=1), int_([2])]),
        ],
    )
    by_patch = graph.op(  # [N, P, size, shares + 1] -> counts per patch
        "ReduceSum",
        [
            graph.op(
                "Reshape",
                [
                    gathered,
                    graph.op(
                        "Concat", [int_([0]), total_patches, int_([size, -1])], axis=0
                    ),
                ],
            ),
            int_([2]),
        ],
        keepdims=0,
    )
    running = graph.op("CumSum", [by_patch, int_(1)])
    n_shares = int(np.asarray(shares["mean"]).size)
    counts = graph.op("Slice", [running, int_([0]), int_([n_shares]), int_([2])])
    seen = graph.op(
        "Max",
        [
            graph.op(
                "Slice", [running, int_([n_shares]), int_([n_shares + 1]), int_([2])]
            ),
            graph.const(np.float32(1)),
        ],
    )
    return graph.op(
        "Div",
        [
            graph.op(
                "Sub",
                [
                    graph.op("Div", [counts, seen]),
                    graph.const(np.asarray(shares["mean"], np.float32)),
                ],
            ),
            graph.const(np.asarray(shares["scale"], np.float32)),
        ],
    )


def _patches(graph, x: str, lengths: str, size: int):
    """Steps read ``size`` at a time, a record's first step repeated in front
    up to a multiple of ``size`` (``stacked_steps`` of the encoder): the
    patches ``[N, P, size * C]``, the same steps as one series ``[N, P *
    size, C]``, and each record's count of patches."""
    int_ = lambda v: graph.const(np.array(v, np.int64))  # noqa: E731
    source, _, patched, total_patches = _patch_grid(graph, x, lengths, size)
    gathered = graph.op(
        "GatherND", [x, graph.op("Unsqueeze", [source, int_([2])])], batch_dims=1
    )
    shape = graph.op("Concat", [int_([0]), total_patches, int_([-1])], axis=0)
    return graph.op("Reshape", [gathered, shape]), gathered, patched


def _patch_grid(graph, x: str, lengths: str, size: int):
    """Where each slot of the patched layout reads ``x`` ``[N, T, ...]``
    from, patches aligned on a record's last step (``stacked_steps``):
    ``(source, inside, patched, total_patches)``. ``source`` ``[N, P *
    size]`` is the step a slot reads, clamped into ``0..T-1`` (so the slots
    in front of a record's first step repeat it); ``inside`` whether the
    slot holds one of the record's own steps (not a repeat in front, not
    past ``T``); ``patched`` each record's count of patches (``ceil(len /
    size)``); ``total_patches`` ``[1]`` the batch's."""
    steps = graph.op("Shape", [x], start=1, end=2)
    int_ = lambda v: graph.const(np.array(v, np.int64))  # noqa: E731
    patched = graph.op(  # ceil(len / size)
        "Div", [graph.op("Add", [lengths, int_(size - 1)]), int_(size)]
    )
    front = graph.op("Sub", [graph.op("Mul", [patched, int_(size)]), lengths])
    total_patches = graph.op(
        "Div", [graph.op("Add", [steps, int_(size - 1)]), int_(size)]
    )
    width = graph.op("Mul", [total_patches, int_(size)])
    positions = graph.op("Range", [int_(0), graph.op("Squeeze", [width]), int_(1)])
    source = graph.op(
        "Sub",
        [
            graph.op("Unsqueeze", [positions, int_([0])]),
            graph.op("Unsqueeze", [front, int_([1])]),
        ],
    )
    inside = graph.op(
        "And",
        [
            graph.op("GreaterOrEqual", [source, int_(0)]),
            graph.op("Less", [source, steps]),
        ],
    )
    last = graph.op("Sub", [steps, int_([1])])
    source = graph.op("Min", [graph.op("Max", [source, int_(0)]), last])
    return source, inside, patched, total_patches


def _onnx_weights(params: dict, cfg: dict, layer: int, symbolic_input: bool):
    """``W``, ``R`` and ``B`` of ONNX's recurrent operator for one layer (both
    directions), gates in ONNX's order."""
    order = GATE_ORDER[cfg["cell"]]

    def gates(a):
        blocks = np.split(np.asarray(a, np.float32), len(order))
        return np.concatenate([blocks[i] for i in order])

    Ws, Rs, Bs = [], [], []
    directions = ("", "_reverse") if cfg["bidirectional"] else ("",)
    for d, reverse in enumerate(directions):
        suffix = (f"_l{layer}" if layer else "") + reverse
        U = params["U" + suffix]
        b = params["b" + suffix]
        if symbolic_input:
            # The first layer of a symbolic model reads U x_t already looked
            # up, each direction's beside the other's: W selects its own.
            rows = U.shape[0]
            select = np.zeros((rows, rows * len(directions)), np.float32)
            select[:, d * rows : (d + 1) * rows] = np.eye(rows, dtype=np.float32)
            Ws.append(select)
        else:
            Ws.append(gates(U))
        Rs.append(gates(params["W" + suffix]))
        b_h = params.get("b_h" + suffix)
        b_h = np.zeros_like(b) if b_h is None else b_h
        Bs.append(np.concatenate([gates(b), gates(b_h)]))
    return np.stack(Ws), np.stack(Rs), np.stack(Bs)


def _recurrence(graph, params: dict, cfg: dict, x: str, lengths32: str):
    """All layers over ``x`` ``[T, N, in]``: the last layer's states
    ``[T, N, dirs * H]`` and final states ``[N, dirs * H]``."""
    H, cell = cfg["hidden_size"], cfg["cell"]
    directions = 2 if cfg["bidirectional"] else 1
    attrs = {
        "hidden_size": H,
        "direction": "bidirectional" if directions == 2 else "forward",
    }
    if cell == "gru":
        attrs["linear_before_reset"] = 1
    if cell == "rnn":
        attrs["activations"] = [cfg["nonlinearity"].capitalize()] * directions
    final = None
    for layer in range(cfg["num_layers"]):
        W, R, B = _onnx_weights(params, cfg, layer, cfg["symbolic"] and layer == 0)
        states, final = graph.op(
            ONNX_CELL[cell],
            [x, graph.const(W), graph.const(R), graph.const(B), lengths32],
            n_outputs=2,
            **attrs,
        )
        # [T, dirs, N, H] -> [T, N, dirs * H]: forward then reverse, as the
        # library concatenates them.
        x = graph.op(
            "Reshape",
            [
                graph.op("Transpose", [states], perm=[0, 2, 1, 3]),
                graph.const(np.array([0, 0, -1])),
            ],
        )
    final = graph.op(
        "Reshape",
        [
            graph.op("Transpose", [final], perm=[1, 0, 2]),
            graph.const(np.array([0, -1])),
        ],
    )
    return x, final


def _pool(graph, kind: str, states: str, final: str, lengths: str) -> str:
    """One pooling of ``states`` ``[N, T, D]`` over each record's real steps;
    records without steps keep h_0 = 0."""
    if kind == "last":
        return final
    real3 = _real_steps(graph, states, lengths)
    axis = graph.const(np.array([1]))
    if kind == "mean":
        total = graph.op(
            "ReduceSum",
            [
                graph.op("Where", [real3, states, graph.const(np.float32(0))]),
                axis,
            ],
            keepdims=0,
        )
        count = graph.op(
            "Max", [graph.op("Cast", [lengths], to=1), graph.const(np.float32(1))]
        )
        return graph.op(
            "Div", [total, graph.op("Unsqueeze", [count, graph.const(np.array([1]))])]
        )
    largest = graph.op(
        "ReduceMax",
        [graph.op("Where", [real3, states, graph.const(np.float32(-np.inf))]), axis],
        keepdims=0,
    )
    nonempty = graph.op(
        "Unsqueeze",
        [
            graph.op("Greater", [lengths, graph.const(np.int64(0))]),
            graph.const(np.array([1])),
        ],
    )
    return graph.op("Where", [nonempty, largest, graph.const(np.float32(0))])


def network_nodes(graph, artefact: dict, x: str, lengths: str | None = None) -> dict:
    """Add the network of ``artefact`` to ``graph``.

    Parameters
    ----------
    graph : GraphWriter
    artefact : dict
        ``sklearn_rnn.export.export_network``'s output.
    x : str
        Name of the input: strings ``[N]`` (symbolic models), or numbers
        ``[N, T, F]`` right-padded (numeric models).
    lengths : str or None
        Numeric models: name of each record's length ``[N]`` (int64); None
        when every record has all ``T`` steps.

    Returns
    -------
    dict
        Names of ``"embedding"`` ``[N, E]`` (pooled models), ``"logits"``
        (``[N, K]``, or ``[N, T, K]`` per step), ``"steps"`` ``[N, T, D]``
        and ``"lengths"`` ``[N]``.
    """
    check_convertible(artefact)
    cfg = artefact["config"]
    params = {k: v.detach().cpu().numpy() for k, v in artefact["state_dict"].items()}
    if cfg["symbolic"]:
        tokens, lengths = _tokens(graph, artefact, x)
        ids = _step_ids(graph, artefact, tokens)
        # [vocab, dirs * G * H]: each direction's U, transposed, gates in
        # ONNX's order.
        order = GATE_ORDER[cfg["cell"]]
        table = np.concatenate(
            [
                np.concatenate([blocks[i] for i in order]).T
                for blocks in (
                    np.split(params[name], len(order))
                    for name in (("U", "U_reverse") if cfg["bidirectional"] else ("U",))
                )
            ],
            axis=1,
        )
        lo, hi = cfg.get("ngram_range", (1, 1))
        steps_in = _looked_up(graph, graph.const(table), ids, hi - lo + 1)
        run_lengths = lengths
    else:
        if lengths is None:
            lengths = graph.op(
                "Expand",
                [
                    graph.op("Shape", [x], start=1, end=2),
                    graph.op("Shape", [x], start=0, end=1),
                ],
            )
        else:
            lengths = graph.op("Cast", [lengths], to=7)
        # One zero step more (as strings get a pad column): no tensor is
        # empty when every record is.
        x = graph.op("Pad", [x, graph.const(np.array([0, 0, 0, 0, 1, 0]))])
        x = _standardised(graph, cfg, x)
        steps_in, run_lengths = _numeric_steps(
            graph, cfg, x, lengths, params, artefact.get("shares")
        )
        tokens = None
        if "V_kernels" in params:
            kernel_term = _kernel_term(
                graph, artefact["kernels"], params["V_kernels"], x, lengths
            )
    time_major = graph.op("Transpose", [steps_in], perm=[1, 0, 2])
    lengths32 = graph.op("Cast", [run_lengths], to=6)
    states, final = _recurrence(graph, params, cfg, time_major, lengths32)
    states = graph.op("Transpose", [states], perm=[1, 0, 2])  # [N, T, D]
    V, c = params["V"], params["c"]
    out = {"steps": states, "lengths": run_lengths}
    if cfg.get("per_step"):
        # A tagger's or a language model's head reads every step; the
        # transformer's embedding still pools them.
        out["logits"] = graph.op(
            "Add",
            [graph.op("MatMul", [states, graph.const(V.T.copy())]), graph.const(c)],
        )
    pooled = [
        _pool(graph, kind, states, final, run_lengths)
        for kind in POOLED_PARTS[cfg["pooling"]]
    ]
    embedding = pooled[0] if len(pooled) == 1 else graph.op("Concat", pooled, axis=1)
    out["embedding"] = embedding
    if cfg.get("per_step"):
        return out
    logits = graph.op(
        "Add",
        [graph.op("MatMul", [embedding, graph.const(V.T.copy())]), graph.const(c)],
    )
    if "V_bag" in params:
        if artefact.get("wide_vocabulary") is None:
            raise NotConvertible(
                "This model's wide term reads the steps' own symbols (a model "
                "saved before wide_ngram_range existed); refit it to convert."
            )
        logits = graph.op(
            "Add",
            [logits, _wide_term(graph, artefact, tokens, lengths, params["V_bag"])],
        )
    if "V_kernels" in params:
        logits = graph.op("Add", [logits, kernel_term])
    out["logits"] = logits
    return out
