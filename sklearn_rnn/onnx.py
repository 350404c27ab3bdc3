"""Convert fitted models, alone or inside pipelines, to ONNX with skl2onnx.

Importing this module registers converters for :class:`RNNSequenceClassifier`,
:class:`RNNSequenceRegressor` and :class:`RNNEmbeddingTransformer` with
skl2onnx, so that ``skl2onnx.to_onnx`` converts them as it converts
scikit-learn's own models, also as steps of a ``Pipeline`` or
``ColumnTransformer`` with other models after them::

    import sklearn_rnn.onnx  # registers the converters
    from skl2onnx import to_onnx
    onx = to_onnx(pipe, initial_types=sklearn_rnn.onnx.input_types(pipe))

The graph reads what the library reads:

- **strings**: a string tensor ``[N]`` (or ``[N, 1]``), split into characters
  or words inside the graph; unseen symbols count as unknown, as in the
  library. The graph uses onnxruntime's ``com.microsoft.Tokenizer`` (one of
  its standard contrib operators) and ONNX's ``StringConcat`` (opset 20).
- **numbers**: a float tensor ``[N, T, F]`` right-padded to the longest
  record (``[N, T]`` for one channel), and, optionally, each record's length
  ``[N]`` (int64) as a second input; without it every record has ``T`` steps.
  Pad steps never change a record's result, whatever they hold.

Needs the ``onnx`` extra (skl2onnx, onnx, onnxruntime).
"""

from __future__ import annotations

import numpy as np

try:
    import onnx
    from skl2onnx import update_registered_converter
    from skl2onnx.common.data_types import (
        FloatTensorType,
        Int64TensorType,
        StringTensorType,
    )
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "sklearn_rnn.onnx needs skl2onnx, onnx and onnxruntime: install the "
        "'onnx' extra (pip install -e '.[onnx]' from a clone)."
    ) from exc

from sklearn.pipeline import Pipeline

from sklearn_rnn._classifier import RNNSequenceClassifier
from sklearn_rnn._input_kinds import SYMBOLIC_KINDS
from sklearn_rnn._onnx_graph import NotConvertible, network_nodes
from sklearn_rnn._regressor import RNNSequenceRegressor
from sklearn_rnn._tagger import RNNSequenceTagger
from sklearn_rnn._transformer import RNNEmbeddingTransformer
from sklearn_rnn.export import export_network

__all__ = ["NotConvertible", "input_types"]

# StringConcat, which builds n-grams inside the graph, is in opset 20.
MIN_OPSET = 20
_DOMAIN_VERSIONS = {"ai.onnx.ml": 2, "com.microsoft": 1}


class _ContainerWriter:
    """The graph interface of ``_onnx_graph`` over skl2onnx's scope and
    container: unique names, initializers, nodes."""

    def __init__(self, scope, container, prefix: str):
        self.scope, self.container, self.prefix = scope, container, prefix

    def op(self, op_type, inputs, *, domain="", n_outputs=1, outputs=None, **attrs):
        if outputs is None:
            outputs = [
                self.scope.get_unique_variable_name(f"{self.prefix}_{op_type}")
                for _ in range(n_outputs)
            ]
        # A numpy attribute is a tensor (ConstantOfShape's value), not a list.
        attrs = {
            key: onnx.numpy_helper.from_array(value)
            if isinstance(value, np.ndarray)
            else value
            for key, value in attrs.items()
        }
        self.container.add_node(
            op_type,
            list(inputs),
            outputs,
            op_domain=domain,
            op_version=_DOMAIN_VERSIONS.get(domain),
            name=self.scope.get_unique_operator_name(f"{self.prefix}_{op_type}"),
            **attrs,
        )
        return outputs[0] if len(outputs) == 1 else outputs

    def const(self, value):
        value = np.asarray(value)
        name = self.scope.get_unique_variable_name(f"{self.prefix}_const")
        if value.dtype.kind in "UO":
            content = [str(v).encode("utf-8") for v in value.ravel()]
            onnx_type = onnx.TensorProto.STRING
        else:
            content = value.ravel().tolist()
            onnx_type = onnx.helper.np_dtype_to_tensor_dtype(value.dtype)
        self.container.add_initializer(name, onnx_type, list(value.shape), content)
        return name


def _network(scope, operator, container) -> tuple[_ContainerWriter, dict, dict]:
    """The model's network nodes, reading the operator's inputs."""
    model = operator.raw_operator
    artefact = export_network(model)
    if container.target_opset < MIN_OPSET:
        raise NotConvertible(
            f"sklearn-rnn's ONNX graph needs opset {MIN_OPSET} or later "
            f"(StringConcat); target_opset is {container.target_opset}."
        )
    graph = _ContainerWriter(scope, container, type(model).__name__)
    inputs = operator.inputs
    first = inputs[0]
    symbolic = artefact["config"]["symbolic"]
    if symbolic != isinstance(first.type, StringTensorType):
        fitted = "strings" if symbolic else "numeric sequences"
        raise NotConvertible(
            f"{type(model).__name__} was fitted on {fitted}, but the ONNX input "
            f"{first.onnx_name!r} is a {type(first.type).__name__}; declare "
            + (
                "a StringTensorType([None]) input."
                if symbolic
                else "a FloatTensorType([None, None, n_features]) input (and "
                "optionally Int64TensorType([None]) lengths)."
            )
        )
    if symbolic:
        x = graph.op("Reshape", [first.full_name, graph.const(np.array([-1]))])
        return graph, artefact, network_nodes(graph, artefact, x)
    x = first.full_name
    shape = first.type.shape
    if shape is not None and len(shape) == 2:  # [N, T]: one channel
        if model.encoder_.n_inputs_ != 1:
            raise NotConvertible(
                f"A [N, T] input is one channel; the model reads "
                f"{model.encoder_.n_inputs_} per step: declare [N, T, "
                f"{model.encoder_.n_inputs_}]."
            )
        x = graph.op("Unsqueeze", [x, graph.const(np.array([2]))])
    lengths = inputs[1].full_name if len(inputs) > 1 else None
    return graph, artefact, network_nodes(graph, artefact, x, lengths)


def _classes_constant(graph, classes):
    classes = np.asarray(classes)
    if classes.dtype.kind in "iub":
        return graph.const(classes.astype(np.int64)), Int64TensorType
    if classes.dtype.kind in "UO" and all(isinstance(c, str) for c in classes):
        return graph.const(classes.astype(object)), StringTensorType
    raise NotConvertible(
        "ONNX labels are int64 or strings; this classifier's classes_ are "
        f"{classes.dtype}. Fit it with integer or string labels."
    )


def _convert_classifier(scope, operator, container):
    graph, artefact, net = _network(scope, operator, container)
    logits = net["logits"]
    if artefact["config"].get("multilabel"):
        # A sigmoid per label; a label is predicted where its score is > 0.
        positive = graph.op("Greater", [logits, graph.const(np.float32(0.0))])
        graph.op("Cast", [positive], to=7, outputs=[operator.outputs[0].full_name])
        graph.op("Sigmoid", [logits], outputs=[operator.outputs[1].full_name])
        return
    classes, _ = _classes_constant(graph, artefact["classes"])
    best = graph.op("ArgMax", [logits], axis=1, keepdims=0)
    graph.op("Gather", [classes, best], outputs=[operator.outputs[0].full_name])
    graph.op("Softmax", [logits], axis=1, outputs=[operator.outputs[1].full_name])


def _convert_regressor(scope, operator, container):
    graph, artefact, net = _network(scope, operator, container)
    scale = np.asarray(artefact["target_scale"], np.float32)
    mean = np.asarray(artefact["target_mean"], np.float32)
    scaled = graph.op("Mul", [net["logits"], graph.const(scale)])
    graph.op(
        "Add", [scaled, graph.const(mean)], outputs=[operator.outputs[0].full_name]
    )


def _convert_transformer(scope, operator, container):
    graph, _, net = _network(scope, operator, container)
    graph.op("Identity", [net["embedding"]], outputs=[operator.outputs[0].full_name])


def _rows(operator):
    return operator.inputs[0].get_first_dimension()


def _classifier_shapes(operator):
    model = operator.raw_operator
    label_type = (
        Int64TensorType
        if np.asarray(model.classes_).dtype.kind in "iub"
        else StringTensorType
    )
    n, k = _rows(operator), len(model.classes_)
    multilabel = getattr(model.task_, "multilabel", False)
    operator.outputs[0].type = (
        Int64TensorType([n, k]) if multilabel else label_type([n])
    )
    operator.outputs[1].type = FloatTensorType([n, k])


def _regressor_shapes(operator):
    operator.outputs[0].type = FloatTensorType(
        [_rows(operator), operator.raw_operator.module_.n_outputs]
    )


def _transformer_shapes(operator):
    operator.outputs[0].type = FloatTensorType(
        [_rows(operator), operator.raw_operator.module_.embedding_size]
    )


def _tagger_shapes(operator):
    raise NotConvertible(
        "RNNSequenceTagger has no ONNX converter: it reads token lists (or "
        "feature dicts), which an ONNX tensor does not hold, and returns a "
        "list of tags per record. Serve it with sklearn_rnn.export."
        "save_network and standalone.py, or with skops."
    )


def _no_conversion(scope, operator, container):  # pragma: no cover
    _tagger_shapes(operator)


def input_types(model) -> list:
    """The ``initial_types`` to pass to ``skl2onnx.to_onnx``.

    Parameters
    ----------
    model : fitted estimator of this library, or a Pipeline that starts with one

    Returns
    -------
    initial_types : list of (name, type)
        ``[("X", StringTensorType([None]))]`` for a model fitted on strings;
        for numeric series ``("X", FloatTensorType([None, None, n_features]))``
        (right-padded) and ``("lengths", Int64TensorType([None]))``.

    Examples
    --------
    >>> import numpy as np
    >>> import sklearn_rnn.onnx
    >>> from sklearn_rnn import RNNSequenceRegressor
    >>> X = np.random.default_rng(0).normal(size=(8, 5, 2))
    >>> reg = RNNSequenceRegressor(hidden_size=4, max_iter=1).fit(X, X[:, -1, 0])
    >>> sklearn_rnn.onnx.input_types(reg)
    [('X', FloatTensorType(shape=[None, None, 2])), ('lengths', Int64TensorType(shape=[None]))]
    """
    first = model.steps[0][1] if isinstance(model, Pipeline) else model
    encoder = getattr(first, "encoder_", None)
    if encoder is None:
        raise ValueError(
            "input_types needs a fitted sklearn-rnn estimator, or a Pipeline "
            f"whose first step is one; got {type(first).__name__}."
        )
    if encoder.kind_ in SYMBOLIC_KINDS:
        return [("X", StringTensorType([None]))]
    return [
        ("X", FloatTensorType([None, None, encoder.n_inputs_])),
        ("lengths", Int64TensorType([None])),
    ]


def register() -> None:
    """Register the converters with skl2onnx (done on import; call again if
    skl2onnx's registry was reset)."""
    update_registered_converter(
        RNNSequenceClassifier,
        "SklearnRNNSequenceClassifier",
        _classifier_shapes,
        _convert_classifier,
        options={"zipmap": [True, False, "columns"], "nocl": [True, False]},
    )
    update_registered_converter(
        RNNSequenceRegressor,
        "SklearnRNNSequenceRegressor",
        _regressor_shapes,
        _convert_regressor,
    )
    update_registered_converter(
        RNNEmbeddingTransformer,
        "SklearnRNNEmbeddingTransformer",
        _transformer_shapes,
        _convert_transformer,
    )
    # Registered to say why it cannot be converted (skl2onnx would only say
    # that no converter exists).
    update_registered_converter(
        RNNSequenceTagger, "SklearnRNNSequenceTagger", _tagger_shapes, _no_conversion
    )


register()
