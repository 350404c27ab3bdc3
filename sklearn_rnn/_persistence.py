"""Saved state: what prediction needs, in types pickle and skops both read.

A fitted estimator is saved without its training machinery (the skorch net
with its optimizer moments, history and callbacks, ``net_``) and with its
network as built-in types and numpy arrays (``MatrixRNN.config`` and its
parameters) rather than a torch object: the file holds little more than the
parameters and vocabularies, loads on a CPU-only machine whatever device
trained it, and ``skops.io`` can load it trusting only this library's types.
"""

from __future__ import annotations

import warnings

from sklearn_rnn._version import __version__
from sklearn_rnn.exceptions import InconsistentVersionWarning

_VERSION_KEY = "_sklearn_rnn_version"
_NETWORK_KEY = "network"


def _network_state(module) -> dict:
    """A ``MatrixRNN`` as built-in types and numpy arrays, on the CPU."""
    return {
        _NETWORK_KEY: module.config(),
        "parameters": {
            name: value.detach().cpu().numpy()
            for name, value in module.state_dict().items()
        },
    }


def optimizer_state_arrays(state: dict) -> dict:
    """An optimizer's ``state_dict()["state"]`` as str keys and numpy arrays
    (what pickle and skops both read)."""
    return {
        str(index): {
            name: value.detach().cpu().numpy() for name, value in entry.items()
        }
        for index, entry in state["state"].items()
    }


def optimizer_state_from_arrays(arrays: dict) -> dict:
    """:func:`optimizer_state_arrays` back as an optimizer state (the param
    groups, i.e. the settings, come from the optimizer it is loaded into)."""
    import torch

    return {
        "state": {
            int(index): {name: torch.as_tensor(v) for name, v in entry.items()}
            for index, entry in arrays.items()
        }
    }


class PersistenceMixin:
    """Save only what prediction needs, record the library version.

    Continuing a loaded model with ``warm_start`` starts a fresh optimizer:
    a model trained by ``fit`` is saved without its optimizer's moments. A
    model trained by ``partial_fit`` keeps them (twice its parameters'
    bytes): a stream continues exactly where it stopped, in another process
    or on whichever dask worker runs the next block. Models saved by earlier
    releases (a torch module and a skorch net inside) still load.
    """

    def __getstate__(self):
        state = dict(super().__getstate__())  # never mutate the live __dict__
        state[_VERSION_KEY] = __version__
        net = state.pop("net_", None)
        if state.get("_continues_optimizer_") and net is not None:
            state["_optimizer_state_"] = optimizer_state_arrays(
                net.optimizer_.state_dict()
            )
        module = state.get("module_")
        if module is not None and not isinstance(module, dict):
            state["module_"] = _network_state(module)
        return state

    def __setstate__(self, state):
        version = state.pop(_VERSION_KEY, None)
        if version != __version__:
            warnings.warn(
                InconsistentVersionWarning(
                    estimator_name=type(self).__name__,
                    original_version=version,
                    current_version=__version__,
                ),
                stacklevel=2,
            )
        module = state.get("module_")
        if isinstance(module, dict):
            from sklearn_rnn._module import MatrixRNN

            state["module_"] = MatrixRNN.from_config(
                module[_NETWORK_KEY], module["parameters"]
            ).eval()
        super().__setstate__(state)
