"""The parameter documentation both estimators share (written once)."""

import re

SHARED_PARAMETERS = """\
hidden_size : int, default=64
    Length of the hidden state ``h`` (rows of ``W``).

cell : {"rnn", "gru", "lstm"}, default="gru"
    Recurrent cell.

    - ``"rnn"``: Parr's matrix RNN ``h_t = f(W h_{t-1} + U x_t + b)``.
    - ``"gru"``, ``"lstm"``: gated cells with torch's gate layout stacked in
      ``W``, ``U`` and ``b``. The GRU is the default because it learns long
      and numeric sequences that the plain RNN does not (measurements:
      :ref:`good_results`).

nonlinearity : {"tanh", "relu"}, default="tanh"
    ``f`` of the matrix RNN (``cell="rnn"`` only).

num_layers : int, default=1
    Stacked recurrent layers.

bidirectional : bool, default=False
    Also read each sequence backwards; the embedding is both final states.

dropout : float, default=0.25
    During training, zero this fraction of the entries of every layer's input
    term ``U x_t`` and of the embedding read by the head (inverted dropout:
    nothing changes at predict time).

recurrent_dropout : float, default=0.0
    During training, zero this fraction of the entries of ``h_{t-1}`` in
    ``W h_{t-1}``, with the same mask at every step of a record (variational
    dropout). Not available with ``fit_mode="packed"``.

symbol_dropout : float, default=0.0
    Symbol input: during training, each step's own symbol (its character or
    word) reads as unknown with this probability ("word dropout"), while its
    n-grams and word features stay, so the network learns to use the rest of
    the evidence, as it must for symbols never seen in ``fit``. Feature dicts
    have no symbol of their own: each of their features may drop.

pooling : {"last", "mean", "max", "concat"}, default="concat"
    The embedding of a sequence: the final state ``h_T`` or the mean/max of its
    states over its real (non-pad) steps, or ``"concat"``: the three side by
    side (ULMFiT's concat pooling, an embedding three times as wide). The
    head ``V e + c`` reads it. ``"concat"`` beat ``"last"`` on five of the
    twelve public time-series sets (OSULeaf 0.61 -> 0.71, ArrowHead 0.70 ->
    0.74, ACSF1 0.73 -> 0.77) and was within 0.005 on the rest and on text
    (:ref:`defaults_log`).

fit_mode : {"sgd", "minibatch", "vectorized", "packed"}, default="vectorized"
    How training runs; all compute the same function of the same weights.

    - ``"sgd"``: one record at a time, one update per record (Parr 1.5).
    - ``"minibatch"``: a Python loop over the records of a batch, one update per
      batch (Parr 2.1).
    - ``"vectorized"``: the batch as one left-padded tensor advanced one time step
      at a time (Parr 2.2); pad steps are never computed, so it is exact with
      the bias.
    - ``"packed"``: the same weights run through torch's fused recurrent kernels
      on a ``PackedSequence`` (cuDNN on GPU).

batch_size : int, default=64
    Records per update (ignored by ``fit_mode="sgd"``).

max_iter : int or "auto", default="auto"
    Maximum number of epochs. An int the fit reaches raises sklearn's
    ``ConvergenceWarning``, as in ``MLPClassifier``. "auto" budgets updates
    as well as epochs: at least 100 epochs and at least 500 updates, so
    that a few dozen records (one batch, one update an epoch) train as long
    as thousands do; early stopping, or a training loss that stops falling,
    still ends a fit sooner, and ending the budget raises no warning. Where
    the numeric wide term starts from its ridge fit and nothing is held out,
    the network refines a fitted model: half that (50 epochs, 250 updates).

learning_rate_init : float, default=0.005
    AdamW's learning rate.

alpha : float, default=0.0001
    Decoupled weight decay (AdamW's ``weight_decay``): each update shrinks the
    weights by ``learning_rate_init * alpha``.

ema_decay : float in [0, 1) or None, default=0.98
    Polyak averaging: an exponential moving average of the weights, moved
    towards them by ``1 - ema_decay`` after every update (at first a
    polynomial-decay average, which weighs the latest updates most).
    Validation, early stopping and the fitted model use the average; training
    continues from the raw weights. It smooths out the noise of the last
    minibatches at the cost of a copy of the weights: on the supervised tasks
    of the quality benchmark it never scored below the raw weights beyond the
    spread over seeds, and gained most where a few epochs of noisy updates
    end training (surnames, ragged waves). None keeps the raw weights;
    ``partial_fit`` always does.

clip_grad_norm : float or None, default=1.0
    Clip the gradient norm to this value before each update (Parr found clipping
    essential); None disables it.

bptt_steps : int or None, default=None
    Truncated backpropagation through time: gradients flow through the last
    ``bptt_steps`` steps of each batch only, while ``h`` is still computed from
    every step. For very long sequences. Not available with ``fit_mode="packed"``.

shuffle : bool, default=True
    Shuffle the records every epoch.

length_bucketing : bool, default=True
    Group records of similar length in a batch (within shuffled chunks of 50
    batches) so that batches waste few pad steps.

early_stopping : bool or "auto", default="auto"
    Hold out ``validation_fraction`` of the data (stratified where every class
    has two records) and stop when the validation loss has not improved by
    ``tol`` for ``n_iter_no_change`` epochs; the weights of the best epoch
    (the last to improve on the best loss so far by at least ``tol``) are
    restored. When False, no data is held out and training stops when the
    training loss stops improving. "auto" is True from 500 records on.

validation_fraction : float, default=0.1
    Share of the training data held out when early stopping is on.

n_iter_no_change : int or "auto", default="auto"
    Epochs without an improvement of at least ``tol`` before stopping.
    "auto" is at least 10 epochs and at least 50 updates (25 where the
    numeric wide term starts from its ridge fit and nothing is held out):
    with a few dozen records, one update an epoch, ten epochs stopped
    training on the plateau of its first updates. On larger sets it is at
    most the epochs that read 40,000 records, and at least 2 (7 epochs for
    6,400 records, 2 from 20,000): ten epochs of 21,000 records had taken
    up to 2.6 times as long for scores within 0.0005.

tol : float, default=1e-4
    Minimum loss improvement that counts.

label_smoothing : float, default=0.0
    Cross-entropy against targets mixed with the uniform distribution, as in
    :class:`torch.nn.CrossEntropyLoss`.

class_weight : dict, "balanced" or None, default=None
    Weights of the classes in the loss, as in scikit-learn's classifiers.

analyzer : {"char", "word"} or callable, default="char"
    How ``str`` inputs are split into symbols: characters, whitespace-separated
    words, or a callable returning the tokens of one string.

ngram_range : tuple (min_n, max_n), default=(1, 2)
    Symbol input: each step carries the n-grams of sizes ``min_n..max_n``
    that end at it (with the default, a character and the bigram ending
    there), summed through their columns of ``U``. The network sees
    what an n-gram model sees and models their order on top. ``(1, 1)`` is
    one symbol per step, as in Parr's articles.

max_ngrams : int or None, default=2000
    Keep at most this many n-grams (n >= 2) in the vocabulary, those found in
    the most records; single symbols are always kept. Each update touches all
    of ``U``, so this bounds the cost of a step.

standardize : bool or "auto", default="auto"
    Numeric input: True learns each channel's mean and standard deviation
    over all steps of all training sequences (weighted by ``sample_weight``)
    and rescales to mean 0 and variance 1 before the network, in ``fit`` and
    at predict time. ``"auto"`` does that and also gives the network, beside
    each step's channels, the same channels standardised by the record's own
    mean and deviation (twice the inputs): the first view keeps each record's
    level and scale, the second keeps its shape readable when levels or
    scales differ by orders of magnitude between records (on the public
    time-series benchmarks: appliance currents 0.36 -> 0.70, spectra
    R² 0.78 -> 0.94, no set worse by more than its spread; see
    :ref:`defaults_log`). False feeds the values as they are. See also
    :class:`sklearn_rnn.preprocessing.SequenceStandardScaler`.

patch_size : int or "auto", default="auto"
    Numeric input: read this many consecutive time steps as one step of the
    recurrence (their values side by side, ``patch_size * n_features`` inputs),
    so the network runs ``ceil(length / patch_size)`` steps; a record whose
    length is not a multiple repeats its first step in front. ``"auto"``
    picks the smallest size that reads a training sequence of the median
    length in at most 32 steps and the longest in at most 128 (1 for
    sequences up to 32 steps): on public time-series benchmarks a GRU
    learns series of hundreds of steps far better read this way, and
    several times faster (:ref:`defaults_log`). 1 reads every step. Symbol
    input always reads one symbol a step.

conv_filters : int, default=0
    Numeric input with one prediction or embedding per record: a
    convolutional front end that the recurrence reads, as in LSTM-FCN and
    convolutional-recurrent networks. This many learned filters of nine
    weights run over the series' own time steps at each of up to six
    dilations, spread from 1 to the median training length; beside each
    step of the recurrence (a patch, see ``patch_size``) go the mean and
    the max of every filter's ReLU output over that patch, read every
    ``dilation`` steps but at least eight times a patch. Trained with the
    network. 0: none. Symbol input, tagging and ``objective="next"`` ignore
    it (a filter centred on a step would read the steps after it). A
    record's outputs are bitwise those it has alone, as without filters.
    :func:`~sklearn_rnn.export.export_network`, ONNX and ``standalone.py``
    carry it.

kernel_shares : int or "auto", default="auto"
    Numeric input with one prediction or embedding per record: the
    recurrence also reads the series through fixed random kernels (those
    of the numeric wide term, MiniRocket's: 84 kernels of nine weights at
    dilations spread up to the median training length, biases drawn from
    training records). At the end of each step (a patch, see
    ``patch_size``) it reads, for each kernel, dilation and bias, the share
    of the record's steps so far where the kernel's output exceeds the
    bias: about this many values a step (84 kernels x dilations x biases),
    standardised by their training moments; the last step carries the
    shares over the whole record. The kernels read the channels the
    network reads (with ``standardize="auto"``, each channel and its
    record's own standardisation). Nothing of it is learned. 0: none.
    "auto" is up to 1,512 where the network reads the series in patches
    and no wide term reads the kernels (``wide=False``), and 0 otherwise: with
    ``wide=False`` on the sixteen classification sets of the public suite
    the network alone then learns long series with few training records
    (:ref:`network_alone`). Symbol input and tagging ignore it.
    :func:`~sklearn_rnn.export.export_network`, ONNX and ``standalone.py``
    carry it.

warm_start : bool, default=False
    Continue training the fitted network (same vocabulary and classes) instead
    of starting anew.

device : str, default="cpu"
    ``"cpu"``, ``"cuda"``, ``"cuda:N"``, ``"mps"`` or ``"auto"`` (CUDA, then
    MPS, then the CPU). An unavailable device is a ``ValueError`` at ``fit``.

n_threads : int, "auto" or None, default="auto"
    torch threads during ``fit``, ``partial_fit`` and prediction on the CPU;
    the calling thread's setting (``torch.get_num_threads()``) is restored
    afterwards. "auto" uses a thread per 262,144 multiply-adds of a time
    step's matrix product (tiny networks run on one), never more than the
    caller's setting (``torch.set_num_threads``, ``OMP_NUM_THREADS``) nor
    than the cores other work leaves idle right now: the recurrence
    multiplies small matrices step after step, and torch's default of a
    thread per core made fits 6x slower on a busy machine. None leaves
    torch's setting as it is. torch keeps the count per thread (and a
    default for threads it starts later, also set for the duration): fits
    in several threads at once keep to their own counts.

n_workers : int or ray.train.ScalingConfig, default=1
    Train one network on this many worker processes (data parallelism):
    each holds a copy of the network and the training records, computes
    the gradient of its share of every batch (``batch_size`` is the whole
    batch), and the shares' gradients are summed (``torch.distributed``,
    gloo) before every update, so the workers train the network a
    one-process fit trains, to float32 rounding, with the same record
    order, held-out split, weight average and early stopping. joblib's
    active backend starts the workers: processes of this machine by
    default (loky), the workers of a dask cluster under
    ``joblib.parallel_config(backend="dask")``, Ray's under ``"ray"``;
    a Ray Train ``ScalingConfig`` in place of the count trains on the
    workers of a ``TorchTrainer`` (CPU only); ``n_threads`` threads each. The fitted model is an ordinary one
    (pickle, ``clone``, ``predict`` in this process). CPU only, and not
    with ``fit_mode="sgd"`` (an update per record). Dropout masks are
    drawn per worker, so with dropout a fit differs from the one-process
    fit as another seed's would. It pays where an update's work is large
    beside the cost of summing the gradients (wide networks, large
    batches; :ref:`data_parallel`).

inference_dtype : {"auto", "float64", "float32"}, default="auto"
    Precision of ``predict``/``transform`` (training is float32). "auto" is
    float32 on every device; on the CPU a record's result is bitwise the same
    whichever records share its batch, in either precision. "float64" gives
    more digits at about half the speed.

callbacks : list of skorch callbacks or None, default=None
    Extra skorch callbacks (or ``(name, callback)`` tuples) for the training loop.
    They run after the library's own, which are named "all_reduce"
    (``n_workers``), "divergence" (stops on a non-finite loss), "averaging"
    (``ema_decay``), "clip" (``clip_grad_norm``), "stopping" (early
    stopping), "progress" and "progress_bar" (``verbose``); those names are
    taken. With ``n_workers`` above 1 they run in every worker (they must
    pickle). A callback without a name is called ``user_<i>``, ``i`` its
    position in the list. After fit all of them are in ``net_.callbacks_``.

verbose : int, default=0
    When positive, print a table with a row per epoch: the epoch, ``budget``
    (epochs done of the budget, ``max_iter``), ``left`` (the time the rest
    of the budget would take at the mean epoch so far: an upper bound, as
    early stopping may end the fit sooner), the losses and the epoch's
    seconds; then a line that says why the fit stopped (the budget spent, or
    early stopping after ``n_iter_no_change`` epochs without improvement).
    Where the output is a terminal or a notebook, a progress bar also runs
    through each epoch's batches. 0 prints nothing.

random_state : int, RandomState instance or None, default=None
    Seeds weight initialisation, shuffling, the validation split and dropout
    through local generators; torch's and numpy's global RNGs are left as is."""

SHARED_ATTRIBUTES = """\
classes_ : ndarray of shape (n_classes,)
    Class labels.

encoder_ : SequenceEncoder
    The fitted input encoder; ``encoder_.vocabulary_`` maps symbols to ids
    (id 0 is kept for symbols never seen in ``fit``).

module_ : MatrixRNN
    The trained torch module, with parameters ``W``, ``U``, ``b``, ``V``, ``c``.

net_ : skorch.NeuralNet
    The skorch net that trained ``module_``; ``net_.history`` holds per-epoch
    and per-batch records. Training state, not saved with the model: a
    pickled or skops-saved model has no ``net_``; continuing it with
    ``warm_start`` starts a fresh optimizer, while a model trained by
    ``partial_fit`` is saved with its optimizer's moments and continues
    exactly.

loss_curve_ : list of float
    Training loss of each epoch (warm starts append to it).

validation_loss_curve_ : list of float
    Validation loss of each epoch (only when early stopping is on).

n_iter_ : int
    Epochs run (warm starts add to it).

n_features_in_ : int
    Number of time steps, only when fitted on a 2-D numeric array
    ``(n_samples, n_steps)`` (or a DataFrame), whose columns scikit-learn
    fixes at fit. A 3-D array ``(n_samples, n_steps, n_features)`` fixes no
    length: records of other lengths may follow.

feature_names_in_ : ndarray of shape (`n_features_in_`,)
    Column names, only when fitted on a DataFrame with string column names."""


def _blocks(text: str) -> dict:
    """``name -> block`` of a numpydoc section: a block starts at each
    unindented ``name : type`` line and runs to the next one."""
    heads = re.split(r"\n\n(?=\S)", text)
    return {block.split(" :", 1)[0]: block for block in heads}


def document(
    shared: str, *, defaults: dict | None = None, drop=(), extra: dict | None = None
) -> str:
    """The shared section adapted to one estimator: other defaults (``name ->
    repr``), blocks dropped, blocks added (``name -> block``, in order)."""
    blocks = _blocks(shared)
    for name in drop:
        del blocks[name]
    for name, default in (defaults or {}).items():
        head, _, rest = blocks[name].partition("\n")
        blocks[name] = head.rsplit("default=", 1)[0] + f"default={default}\n" + rest
    blocks.update(extra or {})
    return "\n\n".join(blocks.values())
