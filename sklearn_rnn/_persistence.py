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


class PersistenceMixin:
    """Save only what prediction needs, record the library version.

    Continuing a loaded model (``warm_start``, ``partial_fit``) starts a fresh
    optimizer, as the optimizer's moments are not saved. Models saved by
    earlier releases (a torch module and a skorch net inside) still load.
    """

    def __getstate__(self):
        state = dict(super().__getstate__())  # never mutate the live __dict__
        state[_VERSION_KEY] = __version__
        state.pop("net_", None)
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
