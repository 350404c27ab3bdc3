"""Pickling: device-free saved state and a recorded library version."""

from __future__ import annotations

import copy
import warnings

from sklearn_rnn._version import __version__
from sklearn_rnn.exceptions import InconsistentVersionWarning

_VERSION_KEY = "_sklearn_rnn_version"


class PersistenceMixin:
    """Make pickles load on a CPU-only machine and record the library version.

    A model fitted on a GPU is saved with its tensors on the CPU (the live model
    is not touched), so unpickling needs no device and raises no warning; it then
    predicts on the CPU.
    """

    def __getstate__(self):
        state = dict(super().__getstate__())  # never mutate the live __dict__
        state[_VERSION_KEY] = __version__
        module = state.get("module_")
        if module is not None and module.V.device.type != "cpu":
            module = copy.deepcopy(module).cpu()
            state["module_"] = module
        net = state.get("net_")
        if net is not None and str(net.device) != "cpu":
            # skorch saves module_/optimizer_/criterion_ with torch.save and maps
            # them onto the device recorded here when loading.
            net = copy.copy(net)
            net.device = "cpu"
            # Both the init parameter and the fitted attribute hold the module.
            net.module = net.module_ = module
            state["net_"] = net
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
        super().__setstate__(state)
