"""Collection rules for the doctests of optional integrations."""

from importlib.util import find_spec

# sklearn_rnn.dask imports dask at the top: without the "dask" extra its
# doctests are not collected (its tests skip in tests/test_dask.py).
collect_ignore = (
    ["sklearn_rnn/dask.py"]
    if find_spec("dask") is None or find_spec("pandas") is None
    else []
)
