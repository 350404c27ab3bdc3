"""The recurrent core: Terence Parr's matrix RNN (plus GRU/LSTM cells) in torch.

For one layer and direction the matrix RNN is::

    h_t = f(W h_{t-1} + U x_t + b),   h_0 = 0,   logits = V h_T + c

with ``f`` = tanh or relu. ``U x_t`` for a symbol ``x_t`` is column ``x_t`` of
``U`` (a lookup, never a one-hot product); a step may carry a bag of symbols
(a character and the n-grams that end at it), whose columns are summed. ``U`` is
stored column-major, so its columns are contiguous rows in memory and the lookup
costs the number of symbols read, whatever the vocabulary size. GRU and LSTM cells keep the names but
stack their gates in ``W``/``U``/``b`` in torch's order, so the same tensors can
be handed to torch's fused kernels (``forward_mode="packed"``).

A batch arrives as Parr's LEFT-padded tensor plus the true lengths. Left padding
alone is exact only without a bias: a pad step would still compute
``f(W h + b) != h``. Here pad steps are never computed at all. After sorting the
batch by length (longest first), the records that have started at step ``t`` are
a prefix of the batch and every other record still holds ``h_0``, so each step
advances only that prefix and appends zero rows as records start. This is the
vectorized minibatch of Parr 2.2, exact with the bias, and its cost is the
number of real tokens rather than ``batch * T``.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from sklearn_rnn._kernels import spread_dilations
from sklearn_rnn._packed import embed_packed
from sklearn_rnn._plan import Plan, make_plan
from sklearn_rnn._pooling import POOLED_PARTS, pool_steps
from sklearn_rnn._row_updates import RowGradients, lookup_rows

GATES = {"rnn": 1, "gru": 3, "lstm": 4}
POOLINGS = tuple(POOLED_PARTS)
NONLINEARITIES = ("tanh", "relu")
FORWARD_MODES = ("loop", "vectorized", "packed")
# The convolutional front end's filters: weights per filter, and at most
# this many dilations, spread exponentially up to a typical series' length
# (as the wide term's kernels are).
CONV_LENGTH = 9
CONV_DILATIONS = 6
# Reads of each filter a patch keeps at least (see ``front_stride``).
CONV_SAMPLES = 8


def conv_dilations_for(length: int) -> tuple:
    """Dilations from 1 to the one at which a filter spans ``length`` steps,
    at most ``CONV_DILATIONS`` of them, spread as the wide term's kernels."""
    return tuple(int(d) for d in spread_dilations(length, CONV_LENGTH, CONV_DILATIONS))


def lookup_columns(
    U: torch.Tensor, ids: torch.Tensor, weights: torch.Tensor | None = None
) -> torch.Tensor:
    """Sum of the columns ``U[:, ids]`` per row of ``ids`` (each scaled by its
    weight, if given), shape ``(n, U.shape[0])``.

    ``ids`` is ``(n,)`` (one symbol a step) or ``(n, k)`` (a bag a step). Id 0
    is the unknown symbol: its column stays zero and never gets a gradient.
    """
    if (
        ids.dim() == 1
        and weights is None
        and not torch.is_grad_enabled()
        and len(ids) >= U.shape[1]
    ):
        # Inference, one symbol a step and more steps than symbols: a
        # contiguous copy of U's columns pays for itself (~30% faster than
        # embedding_bag). Column 0 is zero, so unknown symbols add nothing.
        return U.t().contiguous().index_select(0, ids)
    bags = ids[:, None] if ids.dim() == 1 else ids
    return F.embedding_bag(
        bags, U.t(), mode="sum", padding_idx=0, per_sample_weights=weights
    )


# Rows per block of an inference product. Fixed, so that every matrix product
# of predict/transform has the same shape whatever the batch.
ROW_BLOCK = 64
SUM_BLOCK = 16


def rowwise_matmul(a: torch.Tensor, weight: torch.Tensor, add=None) -> torch.Tensor:
    """``a @ weight.T (+ add)``, each row's result independent of the other rows.

    BLAS chooses its kernel and blocking by the number of rows (a
    matrix-vector kernel for one row, other paths for a few), and with them
    the order of the sums, so the last bits of a row's result depend on how
    many rows came with it. Without gradients (inference) the rows are cut into
    zero-padded blocks of ``ROW_BLOCK`` and multiplied as a batch of products of
    one fixed shape, with the summed dimension zero-padded to a multiple of
    ``SUM_BLOCK`` (MKL rounded a row by its position within the block when it
    was not: float32 sums of 5-7, 9-11, ... terms, float64 sums of odd length):
    a record's result is then bitwise the same alone, in any batch and at any
    position, in float32 as in float64.

    With gradients (training) it stays one matrix product, and only a single
    row is doubled, which keeps a lone record (sgd) on the matrix-matrix kernel
    of a batched one.
    """
    if not torch.is_grad_enabled():
        return _blocked_matmul(a, weight, add)
    if a.shape[0] == 1:
        a = torch.cat([a, a])
        add = torch.cat([add, add]) if add is not None and add.dim() == 2 else add
        return rowwise_matmul(a, weight, add)[:1]
    if add is None:
        return a @ weight.t()
    return torch.addmm(add, a, weight.t())  # the add is fused into the product


def _blocked_matmul(a, weight, add):
    n, width = a.shape
    pad, pad_sum = -n % ROW_BLOCK, -width % SUM_BLOCK
    blocks = (n + pad) // ROW_BLOCK
    if pad or pad_sum:
        a = F.pad(a, (0, pad_sum, 0, pad))
    a = a.view(blocks, ROW_BLOCK, width + pad_sum)
    if pad_sum:  # zeros added to both sides of the sum change no value
        weight = F.pad(weight, (0, pad_sum))
    weights = weight.t().expand(blocks, *weight.t().shape)  # a view, not copies
    if add is None:
        out = torch.bmm(a, weights)
    else:
        if add.dim() == 2:
            add = (F.pad(add, (0, 0, 0, pad)) if pad else add).view(
                blocks, ROW_BLOCK, -1
            )
        out = torch.baddbmm(add, a, weights)
    return out.view(blocks * ROW_BLOCK, weight.shape[0])[:n]


def front_filters(conv_filters: int, *, symbolic: bool, per_step: bool) -> int:
    """The filters a network built with ``conv_filters`` holds: none where
    steps are symbols, nor where every step has an output (a tagger, a
    next-step objective), which would see the future through the right half
    of a filter centred on its step."""
    return 0 if symbolic or per_step else int(conv_filters)


def front_stride(dilation: int, patch: int) -> int:
    """Steps between the reads of a filter at ``dilation`` within a patch of
    ``patch`` steps: its dilation, but at least ``CONV_SAMPLES`` reads."""
    return max(1, min(dilation, patch // CONV_SAMPLES))


def _windows_through(series, centres, weight, bias, dilation: int):
    """The filters ``weight`` ``(filters, channels, CONV_LENGTH)`` at
    ``dilation`` centred on the steps ``centres`` of ``series`` ``(n,
    length, channels)``, zeros beyond both ends: ``(n, len(centres),
    filters)``, one matrix product over the gathered windows."""
    n, _, channels = series.shape
    reach = (CONV_LENGTH // 2) * dilation
    padded = F.pad(series, (0, 0, reach, reach))
    taps = centres[:, None] + dilation * torch.arange(
        CONV_LENGTH, device=series.device
    )  # positions in the padded series: centre - reach + k * dilation
    windows = padded[:, taps].transpose(2, 3)  # (n, centres, channels, taps)
    flat = windows.reshape(-1, channels * CONV_LENGTH)
    # Row by row, as the recurrence's products: a record's reading is then
    # bitwise the same alone and in any batch.
    out = rowwise_matmul(flat, weight.reshape(len(weight), -1), add=bias)
    return out.reshape(n, len(centres), len(weight))


def sigmoid(x: torch.Tensor) -> torch.Tensor:
    """``torch.sigmoid`` in training; ``1 / (1 + exp(-x))`` without gradients.

    torch's sigmoid rounds differently in its vectorised loop and in the
    scalar loop that finishes a tensor's last few elements, so a value's last
    bit would depend on where it falls in the tensor, i.e. on the batch; its
    exp does not (nor does tanh).
    """
    if torch.is_grad_enabled():
        return torch.sigmoid(x)
    return torch.exp(-x).add_(1).reciprocal_()


def _spread_index(sizes: list, padded: list) -> np.ndarray:
    """Index into a flat array of consecutive segments of ``sizes`` rows that
    lays each out over ``padded`` rows (the extra rows read row 0)."""
    sizes, padded = np.asarray(sizes, np.int64), np.asarray(padded, np.int64)
    index = np.zeros(int(padded.sum()), dtype=np.int64)
    shift = np.repeat(np.cumsum(padded - sizes) - (padded - sizes), sizes)
    index[shift + np.arange(int(sizes.sum()))] = np.arange(int(sizes.sum()))
    return index


def _enter(state, started: int, k: int, rows: int):
    """``state`` with rows ``started..k`` reset to 0 for records entering the
    recurrence, and ``rows`` rows in all (rows past ``k`` are padding)."""
    if state is None:
        return None
    if torch.is_grad_enabled():  # no padding rows, no in-place writes
        return F.pad(state, (0, 0, 0, rows - state.shape[0]))
    if rows > state.shape[0]:
        state = F.pad(state, (0, 0, 0, rows - state.shape[0]))
    state[started:k] = 0  # padding of the previous steps held values
    return state


def _tanh(fresh: torch.Tensor) -> torch.Tensor:
    """tanh of a temporary, in place when no gradient needs the input
    (one large allocation less per step at inference)."""
    return torch.tanh(fresh) if torch.is_grad_enabled() else fresh.tanh_()


def _relu(fresh: torch.Tensor) -> torch.Tensor:
    return torch.relu(fresh) if torch.is_grad_enabled() else fresh.relu_()


class MatrixRNN(nn.Module):
    """Recurrent sequence classifier built from named matrices.

    Parameters
    ----------
    n_inputs : int
        Vocabulary size (symbols, id 0 = unknown) or features per step (numbers).
    n_outputs : int
        Number of classes (rows of ``V``).
    hidden_size : int
        Length of ``h``.
    symbolic : bool
        Whether inputs are integer symbol ids (``U`` is looked up by column).
    cell : {"rnn", "gru", "lstm"}
        The recurrence: Parr's matrix RNN ``h_t = f(W h_{t-1} + U x_t + b)``,
        or a GRU or LSTM with the same ``W``/``U``/``b`` layout, their gates
        stacked in rows (torch's order).
    nonlinearity : {"tanh", "relu"}
        ``f`` of the matrix RNN (``cell="rnn"`` only).
    num_layers, bidirectional
        As in :class:`torch.nn.RNN`.
    dropout : float
        During training, zeroes this fraction of the entries of each layer's
        input term ``U x_t`` and of the pooled embedding before ``V``.
    recurrent_dropout : float
        During training, zeroes this fraction of the entries of ``h_{t-1}``
        in ``W h_{t-1}``, with one mask per record for all its steps
        (variational dropout: the same units are dropped at every step).
    symbol_dropout : float
        During training, each step's own symbol reads as unknown (id 0) with
        this probability (word dropout; see ``_drop_symbols``).
    pooling : {"last", "mean", "max", "concat"}
        Embedding of a record: final state, or mean/max over its real steps,
        or the three side by side (``POOLED_PARTS``).
    forward_mode : {"loop", "vectorized", "packed"}
        ``"loop"`` runs records one at a time (Parr 1.5 and 2.1),
        ``"vectorized"`` advances a whole batch step by step (Parr 2.2),
        ``"packed"`` hands the same tensors to torch's fused kernels.
    bptt_steps : int or None
        Truncated backpropagation: gradients flow through the last
        ``bptt_steps`` steps only (``h`` is still computed from every step).
    generator : torch.Generator, optional
        Source of the initial weights.
    per_step : bool
        Whether the head reads every real step (tagging, next-step prediction)
        rather than one embedding per record.
    wide : bool
        Symbol input with one output row per record only: add ``V_bag``
        times the counts of the record's symbols to the outputs (a linear
        model of the bag of symbols, trained with the network).
    n_wide_inputs : int or None
        With ``wide``: the size of a vocabulary of its own that the wide
        term reads from the columns of each step after the first
        ``step_width`` (see ``_wide``); None: it reads the step's symbols.
    step_width : int or None
        Columns of a step that hold its own symbols, the recurrence's input
        (None: all of them).
    n_kernel_features : int or None
        Numeric input with one output row per record only: add ``V_kernels``
        times each record's convolution features (``_kernels``), which
        ``forward`` takes as ``features``, scaled by ``1 /
        sqrt(n_kernel_features)`` (the numeric wide term).
    conv_filters : int
        Numeric input with one output row per record only: learned
        convolutions that the recurrence reads beside the steps (a
        convolutional front end, as in convolutional-recurrent networks; see
        ``_read_front_end``): this many filters of ``CONV_LENGTH`` weights at
        each of ``conv_dilations``. 0: none.
    conv_dilations : tuple of int
        With ``conv_filters``: the dilations of the filters.
    patch_size : int
        With ``conv_filters``: the series' steps that one step of ``X`` holds
        side by side (the encoder's patches), which the filters read one at
        a time.
    crf : bool
        With ``per_step``: also hold a linear-chain CRF's transition scores
        over the outputs (``transitions[i, j]``: output ``j`` after ``i``;
        ``start_transitions``, ``end_transitions``), which the loss and the
        decoding of ``sklearn_rnn._crf`` read; ``forward`` still returns
        the per-step scores.

    Attributes
    ----------
    dropout_generator : torch.Generator or None
        Source of the dropout masks while training. The estimators' training
        loop sets one, seeded from ``random_state`` on the module's device, so
        their fits never touch torch's global RNG; None (a module trained on
        its own) draws from torch's default generator, as ``nn.Dropout`` does.
    """

    # Defaults for modules pickled before the wide term had its own n-grams.
    n_wide_inputs: int | None = None
    step_width: int | None = None
    crf: bool = False  # modules pickled before the CRF layer had none
    # Set by the training loop for row updates (``_row_updates``): where the
    # lookups' gradients go while training; never part of a fitted model.
    row_gradients: RowGradients | None = None
    n_kernel_features: int | None = None  # nor the numeric wide term
    conv_filters: int = 0  # nor the convolutional front end
    conv_dilations: tuple = ()
    patch_size: int = 1

    def __init__(
        self,
        n_inputs: int,
        n_outputs: int,
        hidden_size: int,
        *,
        symbolic: bool,
        cell: str = "rnn",
        nonlinearity: str = "tanh",
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        symbol_dropout: float = 0.0,
        pooling: str = "last",
        forward_mode: str = "vectorized",
        bptt_steps: int | None = None,
        generator: torch.Generator | None = None,
        per_step: bool = False,
        wide: bool = False,
        n_wide_inputs: int | None = None,
        step_width: int | None = None,
        crf: bool = False,
        n_kernel_features: int | None = None,
        conv_filters: int = 0,
        conv_dilations: tuple = (),
        patch_size: int = 1,
        n_step_shares: int = 0,
    ):
        super().__init__()
        # A misspelt choice would otherwise run as another one (an unknown
        # pooling as max, a nonlinearity as relu) or fail deep in a forward.
        for name, value, options in (
            ("cell", cell, tuple(GATES)),
            ("nonlinearity", nonlinearity, NONLINEARITIES),
            ("pooling", pooling, POOLINGS),
            ("forward_mode", forward_mode, FORWARD_MODES),
        ):
            if value not in options:
                raise ValueError(f"{name} must be one of {options}, got {value!r}.")
        self.per_step = per_step
        self.step_width = step_width
        self.n_inputs, self.n_outputs, self.hidden_size = (
            n_inputs,
            n_outputs,
            hidden_size,
        )
        self.symbolic, self.cell, self.nonlinearity = symbolic, cell, nonlinearity
        self.num_layers, self.bidirectional, self.dropout = (
            num_layers,
            bidirectional,
            dropout,
        )
        self.recurrent_dropout = recurrent_dropout
        self.symbol_dropout = symbol_dropout
        self.pooling, self.forward_mode, self.bptt_steps = (
            pooling,
            forward_mode,
            bptt_steps,
        )
        self.dropout_generator: torch.Generator | None = None
        gated = GATES[cell] * hidden_size
        self.directions = 2 if bidirectional else 1
        self.conv_filters = front_filters(
            conv_filters, symbolic=symbolic, per_step=per_step
        )
        front = bool(self.conv_filters)
        self.conv_dilations = tuple(int(d) for d in conv_dilations) if front else ()
        self.patch_size = int(patch_size) if front else 1
        # Numeric steps may end with columns of running shares
        # (``_running_shares``), which the front end's filters do not read.
        self.n_step_shares = 0 if symbolic else int(n_step_shares)
        channels = (n_inputs - self.n_step_shares) // self.patch_size
        for i, _ in enumerate(self.conv_dilations):
            self.register_parameter(
                f"front_weight_{i}",
                nn.Parameter(torch.empty(self.conv_filters, channels, CONV_LENGTH)),
            )
            self.register_parameter(
                f"front_bias_{i}", nn.Parameter(torch.empty(self.conv_filters))
            )
        for layer in range(num_layers):
            for reverse in range(self.directions):
                suffix = self._suffix(layer, reverse)
                width = (
                    n_inputs + self.front_width
                    if layer == 0
                    else hidden_size * self.directions
                )
                self.register_parameter(
                    "W" + suffix, nn.Parameter(torch.empty(gated, hidden_size))
                )
                # Column-major: U[:, j] is contiguous, so the symbol lookup
                # U.t()[ids] reads rows of a contiguous table without a copy.
                self.register_parameter(
                    "U" + suffix, nn.Parameter(torch.empty(width, gated).t())
                )
                self.register_parameter("b" + suffix, nn.Parameter(torch.empty(gated)))
                if cell == "gru":  # GRU's candidate gate needs its own hidden bias
                    self.register_parameter(
                        "b_h" + suffix, nn.Parameter(torch.empty(gated))
                    )
        # A step's state (every direction side by side), and a record's
        # embedding: its pooled states. A per-step head reads the former.
        self.step_size = hidden_size * self.directions
        self.embedding_size = self.step_size * len(POOLED_PARTS[pooling])
        head_width = self.step_size if per_step else self.embedding_size
        self.V = nn.Parameter(torch.empty(n_outputs, head_width))
        self.c = nn.Parameter(torch.empty(n_outputs))
        self.wide = wide and symbolic and not per_step
        self.n_wide_inputs = n_wide_inputs if self.wide else None
        if self.wide:
            # One column of class scores per symbol, summed over the record:
            # the linear model of an n-gram logistic regression, beside the
            # network and trained with it ("wide and deep").
            self.V_bag = nn.Parameter(
                torch.empty(n_outputs, self.n_wide_inputs or n_inputs)
            )
        self.n_kernel_features = (
            n_kernel_features if not symbolic and not per_step else None
        )
        if self.n_kernel_features:
            # MiniRocket's linear model beside the network, trained with it
            # (zero here; the estimator starts it from its ridge fit).
            self.V_kernels = nn.Parameter(torch.empty(n_outputs, n_kernel_features))
        self.crf = bool(crf and per_step)
        if self.crf:
            self.transitions = nn.Parameter(torch.empty(n_outputs, n_outputs))
            self.start_transitions = nn.Parameter(torch.empty(n_outputs))
            self.end_transitions = nn.Parameter(torch.empty(n_outputs))
        self.reset_parameters(generator)

    # What rebuilds the module (``config``); the generator only draws the
    # initial weights, which the saved state replaces.
    _CONFIG = (
        "n_inputs",
        "n_outputs",
        "hidden_size",
        "symbolic",
        "cell",
        "nonlinearity",
        "num_layers",
        "bidirectional",
        "dropout",
        "recurrent_dropout",
        "symbol_dropout",
        "pooling",
        "forward_mode",
        "bptt_steps",
        "per_step",
        "wide",
        "n_wide_inputs",
        "step_width",
        "crf",
        "n_kernel_features",
        "conv_filters",
        "conv_dilations",
        "patch_size",
        "n_step_shares",
    )

    def config(self) -> dict:
        """The constructor arguments of this module, as built-in types."""
        config = {name: getattr(self, name) for name in self._CONFIG}
        config["conv_dilations"] = list(config["conv_dilations"])
        return config

    @property
    def front_width(self) -> int:
        """Columns the convolutional front end adds to each step: the mean
        and the max of every filter over the step's patch."""
        return 2 * self.conv_filters * len(self.conv_dilations)

    @classmethod
    def from_config(cls, config: dict, parameters: dict) -> MatrixRNN:
        """A module built with ``config`` holding ``parameters`` (name ->
        array, as ``state_dict`` names them)."""
        module = cls(**config)
        module.load_state_dict(
            {name: torch.as_tensor(value) for name, value in parameters.items()}
        )
        return module

    def crf_scores(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The CRF's ``(start_transitions, transitions, end_transitions)``, in
        the argument order of ``sklearn_rnn._crf``'s functions."""
        return self.start_transitions, self.transitions, self.end_transitions

    def lookup_tables(self) -> list[nn.Parameter]:
        """The first layer's ``U`` of each direction where steps are symbols:
        one column per symbol, of which a batch reads a few."""
        if not self.symbolic:
            return []
        return [getattr(self, "U" + self._suffix(0, r)) for r in range(self.directions)]

    @staticmethod
    def _suffix(layer: int, reverse: int | bool) -> str:
        """Parr's names for the first layer; torch-like ``_l1``/``_reverse`` after."""
        return (f"_l{layer}" if layer else "") + ("_reverse" if reverse else "")

    @torch.no_grad()
    def reset_parameters(self, generator: torch.Generator | None = None) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for name, param in self.named_parameters():
            if name.startswith("front_"):
                # torch's Conv1d default: uniform over 1 / sqrt(fan-in); a
                # bias of zero lets every filter's ReLU start half open.
                if name.startswith("front_weight"):
                    fan_in = param.shape[1] * param.shape[2]
                    param.uniform_(
                        -1 / math.sqrt(fan_in),
                        1 / math.sqrt(fan_in),
                        generator=generator,
                    )
                else:
                    param.zero_()
            elif (
                name.startswith(("b", "c"))
                or name in ("V_bag", "V_kernels")
                or "transitions" in name
            ):
                # Parr: a zero-initialised bias; no bag term yet; a CRF that
                # starts with no preference between tag pairs.
                param.zero_()
            else:
                param.uniform_(-bound, bound, generator=generator)
        if self.symbolic:
            # Unknown symbols (id 0) contribute nothing: h_t = f(W h_{t-1} + b).
            for layer_0 in (self.U, *([self.U_reverse] if self.bidirectional else [])):
                layer_0[:, 0] = 0.0

    # ------------------------------------------------------------------ API
    def forward(
        self, X: torch.Tensor, lengths, sample_weight=None, features=None
    ) -> torch.Tensor:
        """Outputs ``V e + c`` of the left-padded batch ``X``: one row per
        record, or with ``per_step`` one row per real step, record by record
        (``sample_weight`` rides along in the batch for the loss, unused here),
        plus the wide term (symbols: read from ``X``; numbers: of each
        record's convolution ``features``, shape ``(batch,
        n_kernel_features)``).
        """
        e = self.embed_steps(X, lengths) if self.per_step else self.embed(X, lengths)
        out = rowwise_matmul(self.drop(e, self.dropout), self.V, add=self.c)
        if self.n_kernel_features:
            out = out + self._kernel_term(features)
        return out + self._bag_term(X) if self.wide else out

    @torch.no_grad()
    def set_kernel_term(self, coef: torch.Tensor, intercept: torch.Tensor) -> None:
        """Set the numeric wide term to the linear model ``features @
        coef.T + intercept`` (``coef``: ``(n_outputs, n_kernel_features)``);
        the intercept is added to the head's bias ``c``."""
        scale = math.sqrt(self.n_kernel_features)  # the term divides by it
        self.V_kernels.copy_(coef.to(self.V_kernels) * scale)
        self.c.add_(intercept.to(self.c))

    @torch.no_grad()
    def scale_outputs(self, factor: float) -> None:
        """Multiply every output by ``factor`` (the head ``V``, ``c`` and the
        wide terms' weights; ``sklearn_rnn._calibration``): a record's
        outputs keep their order."""
        for name in ("V", "c", "V_bag", "V_kernels"):
            if hasattr(self, name):
                getattr(self, name).mul_(factor)

    def _kernel_term(self, features) -> torch.Tensor:
        if features is None:
            raise ValueError(
                "This network's wide term reads each record's convolution "
                "features: pass them as features=."
            )
        # Adam moves every weight by about the learning rate at each update,
        # so n features would move an output n times as far as one does;
        # 1 / sqrt(n) keeps a first update's step near that of the network.
        scale = 1.0 / math.sqrt(self.n_kernel_features)
        return rowwise_matmul(features.to(self.V_kernels.dtype) * scale, self.V_kernels)

    def _step_symbols(self, X: torch.Tensor) -> torch.Tensor:
        """The columns of ``X`` that the recurrence reads (not the wide term's)."""
        if self.step_width is None:
            return X
        return X[..., 0] if self.step_width == 1 else X[..., : self.step_width]

    def _bag_term(self, X: torch.Tensor) -> torch.Tensor:
        """``V_bag`` times the counts of each record's symbols (every id of its
        padded row; pads and unknown symbols are id 0 and add nothing)."""
        if self.n_wide_inputs is not None:
            X = X[..., self.step_width :]
        if X.is_floating_point():  # weighted bags: [ids..., weights...]
            k = X.shape[-1] // 2
            ids, weights = X[..., :k].long(), X[..., k:].to(self.V_bag.dtype)
        else:
            ids, weights = X, None
        ids = ids.reshape(X.shape[0], -1)
        # Each record's bag holds its own ids only, in order: how many pads
        # its batch adds must not change how the sum is rounded.
        real = ids != 0
        sizes = real.sum(dim=1)
        return F.embedding_bag(
            ids[real],
            self.V_bag.t(),
            torch.cumsum(sizes, 0) - sizes,
            mode="sum",
            per_sample_weights=None
            if weights is None
            else weights.reshape(ids.shape)[real],
        )

    def embed(self, X: torch.Tensor, lengths) -> torch.Tensor:
        """Embedding of each record, shape ``(batch, hidden_size * directions)``."""
        lengths = np.asarray(lengths, dtype=np.int64)
        X = self._read_front_end(self._step_symbols(X))
        if self.forward_mode == "loop":
            return self._one_record_at_a_time(
                self._embed_vectorized, X, lengths, self.embedding_size
            )
        if self.forward_mode == "packed":
            return embed_packed(self, X, lengths)
        return self._embed_vectorized(X, lengths)

    def embed_steps(self, X: torch.Tensor, lengths) -> torch.Tensor:
        """The last layer's state at every real step, shape
        ``(sum(lengths), hidden_size * directions)``: record 0's steps in order,
        then record 1's, and so on. Pad steps are neither computed nor returned.
        """
        lengths = np.asarray(lengths, dtype=np.int64)
        X = self._step_symbols(X)
        if self.forward_mode == "loop":
            return self._one_record_at_a_time(
                self._steps_vectorized, X, lengths, self.step_size
            )
        if self.forward_mode == "packed":
            return embed_packed(self, X, lengths, per_step=True)
        return self._steps_vectorized(X, lengths)

    def _read_front_end(self, X: torch.Tensor) -> torch.Tensor:
        """The steps of the left-padded numeric batch ``X`` with, beside
        each, the mean and the max over its patch of every filter's ReLU
        output (``conv_filters`` at each of ``conv_dilations``), the filters
        run over the series' own steps.

        A filter is read every ``front_stride`` steps of the patch: as often
        as its dilation lets its output change, and at least
        ``CONV_SAMPLES`` times a patch; on series of thousands of steps this
        cuts the front end's work about threefold, where every filter at
        every step was most of a fit's time.

        Pad steps read as zeros, which is what a record alone is padded
        with, so a real step's columns do not depend on its batch (the pad
        steps' own columns are never read: records enter the recurrence at
        their first real step)."""
        if not self.conv_filters:
            return X
        n, steps, width = X.shape
        p = self.patch_size
        width -= self.n_step_shares
        series = X[..., :width].reshape(n, steps * p, width // p).to(self.V.dtype)
        parts = [X.to(self.V.dtype)]
        patch_starts = torch.arange(steps, device=X.device)[:, None] * p
        for i, dilation in enumerate(self.conv_dilations):
            stride = front_stride(dilation, p)
            centres = patch_starts + torch.arange(0, p, stride, device=X.device)
            maps = F.relu(
                _windows_through(
                    series,
                    centres.reshape(-1),
                    getattr(self, f"front_weight_{i}"),
                    getattr(self, f"front_bias_{i}"),
                    dilation,
                )
            ).reshape(n, steps, centres.shape[1], self.conv_filters)
            parts += [maps.mean(2), maps.amax(2)]
        return torch.cat(parts, dim=2)

    def _one_record_at_a_time(self, fn, X, lengths, width):
        """Parr's per-record loop (sgd / minibatch): ``fn`` on each record alone
        (``width``: its output's)."""
        if not len(lengths):
            return X.new_zeros((0, width), dtype=self.V.dtype)
        n_cols = X.shape[1]
        return torch.cat(
            [
                fn(X[i : i + 1, n_cols - n :], lengths[i : i + 1])
                for i, n in enumerate(lengths)
            ]
        )

    # ----------------------------------------------------------- vectorized
    def _embed_vectorized(self, X: torch.Tensor, lengths: np.ndarray) -> torch.Tensor:
        # The last layer's outputs only for pooling over steps (the layers
        # below keep theirs anyway: they are the next layer's input).
        parts = POOLED_PARTS[self.pooling]
        keep = parts != ("last",)
        plan, flat, finals = self._run_layers(X, lengths, keep_outputs=keep)
        device = self.V.device
        n_records = len(lengths)
        pooled = []
        for part in parts:
            if part == "last":
                last = torch.cat(finals, dim=1) if self.directions > 1 else finals[0]
                pooled.append(F.pad(last, (0, 0, 0, n_records - last.shape[0])))
            else:
                pooled.append(
                    pool_steps(
                        part,
                        flat,
                        torch.as_tensor(plan.record, device=device),
                        lengths[plan.order],
                        n_records,
                    )
                )
        pooled = torch.cat(pooled, dim=1) if len(pooled) > 1 else pooled[0]
        return pooled[torch.as_tensor(plan.inverse, device=device)]

    def _steps_vectorized(self, X: torch.Tensor, lengths: np.ndarray) -> torch.Tensor:
        plan, flat, _ = self._run_layers(X, lengths, keep_outputs=True)
        # The recurrence visits tokens in step order; callers get record order.
        return flat[torch.as_tensor(plan.record_major, device=flat.device)]

    def _run_layers(self, X: torch.Tensor, lengths: np.ndarray, *, keep_outputs):
        """Every layer and direction over the batch.

        Returns ``(plan, flat, finals)``: the last layer's states at every real
        step in the plan's step order (both directions side by side; None when
        not kept) and each direction's final states (sorted records).
        """
        plan = make_plan(
            lengths,
            X.shape[1],
            self.bptt_steps if self.training else None,
            bidirectional=self.bidirectional,
        )
        device = self.V.device
        step_rows, spread = plan.active, None
        if not torch.is_grad_enabled():
            # Inference: every step's rows padded to whole blocks (see
            # rowwise_matmul) by the gathers that build each layer's input, so
            # neither the products nor the step loop copy to pad. Padding rows
            # read token 0, any finite value: no real row ever reads them.
            step_rows = [-k % ROW_BLOCK + k for k in plan.active]
            spread = _spread_index(plan.active, step_rows)
        layer_input = None  # flat (n_tokens, width) output of the previous layer
        for layer in range(self.num_layers):
            outputs, finals = [], []
            keep = keep_outputs or layer < self.num_layers - 1
            for reverse in range(self.directions):
                suffix = self._suffix(layer, reverse)
                if layer == 0:
                    rows, cols = plan.gather[bool(reverse)]
                    if spread is not None:
                        rows, cols = rows[spread], cols[spread]
                    tokens = X[
                        torch.as_tensor(rows, device=device),
                        torch.as_tensor(cols, device=device),
                    ]
                    projected = self._project_input(tokens, suffix)
                else:
                    index = plan.to_reverse if reverse else None
                    if spread is not None:
                        index = spread if index is None else index[spread]
                    inp = layer_input
                    if index is not None:
                        inp = inp[torch.as_tensor(index, device=device)]
                    projected = self._project_input(inp, suffix)
                steps, final = self._run_steps(projected, plan, suffix, keep, step_rows)
                if reverse and steps is not None:
                    steps = steps[torch.as_tensor(plan.to_forward, device=device)]
                outputs.append(steps)
                finals.append(final)
            layer_input = torch.cat(outputs, dim=1) if outputs[0] is not None else None
        return plan, layer_input, finals

    def _project_input(self, tokens: torch.Tensor, suffix: str) -> torch.Tensor:
        """``U x_t + b`` for every token of the batch in one operation.

        Symbol tokens are ids of shape ``(n,)`` or bags of ids ``(n, k)``
        (id 0, the unknown symbol, also pads a bag and adds nothing).
        """
        U, b = getattr(self, "U" + suffix), getattr(self, "b" + suffix)
        if self.symbolic and not suffix.startswith("_l"):
            if tokens.is_floating_point():  # weighted bags: [ids..., weights...]
                k = tokens.shape[1] // 2
                ids, weights = tokens[:, :k].long(), tokens[:, k:].to(U.dtype)
            else:
                ids, weights = tokens, None
            if self.training and self.symbol_dropout:
                ids = self._drop_symbols(ids, weighted=weights is not None)
            if self.row_gradients is not None and torch.is_grad_enabled():
                term = lookup_rows(U, ids, weights, self.row_gradients)
            else:
                term = lookup_columns(U, ids, weights)
        else:
            term = rowwise_matmul(tokens.to(U.dtype), U)
        if not torch.is_grad_enabled():
            return term.add_(b)  # a fresh tensor: no second (n, gates) copy
        return self.drop(term, self.dropout) + b

    def _drop_symbols(self, ids: torch.Tensor, *, weighted: bool) -> torch.Tensor:
        """Word dropout: each step's own symbol (its character or word, the
        first of its bag) reads as unknown (id 0) with probability
        ``symbol_dropout``; its n-grams and word features stay, so the network
        learns to read them, as it must for symbols never seen in fit. In
        weighted feature bags (no symbol of its own) every feature may drop."""
        shape = ids.shape if weighted or ids.dim() == 1 else ids.shape[:1]
        keep = (
            torch.rand(shape, generator=self.dropout_generator, device=ids.device)
            >= self.symbol_dropout
        )
        if ids.dim() == 1 or weighted:
            return ids * keep
        return torch.cat([ids[:, :1] * keep[:, None], ids[:, 1:]], dim=1)

    def drop(self, x: torch.Tensor, p: float) -> torch.Tensor:
        """Inverted dropout with masks from ``dropout_generator`` (training only)."""
        if not (self.training and p):
            return x
        return x * self.dropout_mask(x.shape, p, x)

    def dropout_mask(self, shape, p: float, like: torch.Tensor) -> torch.Tensor:
        keep = (
            torch.rand(shape, generator=self.dropout_generator, device=like.device) >= p
        )
        return keep.to(like.dtype) / (1.0 - p)

    def _run_steps(
        self, projected: torch.Tensor, plan: Plan, suffix: str, keep_outputs, rows
    ):
        """The recurrence over ``projected`` (``rows[s]`` rows at step ``s``, of
        which the first ``plan.active[s]`` are records, the rest padding)."""
        W = getattr(self, "W" + suffix)
        b_h = getattr(self, "b_h" + suffix, None)
        h = projected.new_zeros((0, self.hidden_size))
        c = h if self.cell == "lstm" else None
        # Variational dropout: one mask per record (sorted order), every step.
        mask = None
        if self.training and self.recurrent_dropout:
            n_sorted = plan.active[-1] if plan.active else 0
            mask = self.dropout_mask(
                (n_sorted, self.hidden_size), self.recurrent_dropout, projected
            )
        outputs = []
        started = 0
        for step, (x_t, k) in enumerate(zip(projected.split(rows), plan.active)):
            if step == plan.truncate_at:
                h = h.detach()
                c = c.detach() if c is not None else None
            if k > started:  # newly started records enter with h_0 = 0
                h, c = _enter(h, started, k, len(x_t)), _enter(c, started, k, len(x_t))
                started = k
            h_in = h if mask is None else h * mask[: h.shape[0]]
            h, c = self._cell_step(x_t, h_in, h, c, W, b_h)
            if keep_outputs:
                # Before the truncation point no gradient may flow, pooled or not.
                truncated = plan.truncate_at is not None and step < plan.truncate_at
                outputs.append(h[:k].detach() if truncated else h[:k])
        if not keep_outputs:
            return None, h[:started]
        flat = (
            torch.cat(outputs)
            if outputs
            else projected.new_zeros((0, self.hidden_size))
        )
        return flat, h[:started]

    def _cell_step(self, x_t, h_in, h, c, W, b_h):
        """One step; ``h_in`` is ``h`` as the recurrent product sees it (dropout)."""
        if self.cell == "rnn":
            pre = rowwise_matmul(h_in, W, add=x_t)  # W h + (U x_t + b)
            f = _tanh if self.nonlinearity == "tanh" else _relu
            return f(pre), None
        if self.cell == "lstm":
            i, f, g, o = rowwise_matmul(h_in, W, add=x_t).chunk(4, dim=1)
            c = sigmoid(f) * c + sigmoid(i) * torch.tanh(g)
            return sigmoid(o) * torch.tanh(c), c
        recurrent = rowwise_matmul(h_in, W, add=b_h)
        if self.cell == "gru":
            # The reset and update gates in one sum and one sigmoid: at these
            # sizes a step costs what its operations' overhead does.
            gates = 2 * self.hidden_size
            r, z = sigmoid(x_t[:, :gates] + recurrent[:, :gates]).chunk(2, dim=1)
            n = _tanh(x_t[:, gates:] + r * recurrent[:, gates:])
            return n + z * (h - n), None
        raise ValueError(f"Unknown cell {self.cell!r}.")
