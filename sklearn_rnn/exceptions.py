"""Warnings and errors specific to sklearn-rnn."""


class InconsistentVersionWarning(UserWarning):
    """A model is loaded under another sklearn-rnn version than it was saved with.

    Attributes
    ----------
    estimator_name : str
    original_version : str or None
        Version that saved the model (None for models saved before versions were
        recorded).
    current_version : str
    """

    def __init__(self, *, estimator_name, original_version, current_version):
        self.estimator_name = estimator_name
        self.original_version = original_version
        self.current_version = current_version

    def __str__(self):
        return (
            f"Trying to unpickle estimator {self.estimator_name} from sklearn-rnn "
            f"version {self.original_version} when using version "
            f"{self.current_version}. This might lead to breaking code or invalid "
            "results. Refit the model, or load it with the version that saved it."
        )
