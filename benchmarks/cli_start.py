"""How long ``sklearn-rnn --version`` and ``--help`` take, beside a bare
``python -c pass`` and ``import torch`` in the same run (best of 5 each).

    python benchmarks/cli_start.py
"""

import subprocess
import sys
import time


def _best(cmd, runs=5):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    python = [sys.executable]
    cli = [*python, "-m", "sklearn_rnn"]
    rows = [
        ("python -c pass", _best([*python, "-c", "pass"])),
        ("python -c 'import torch'", _best([*python, "-c", "import torch"])),
        ("sklearn-rnn --version", _best([*cli, "--version"])),
        ("sklearn-rnn --help", _best([*cli, "--help"])),
    ]
    base = rows[0][1]
    for label, seconds in rows:
        print(f"{label:<28} {seconds:.3f} s  ({seconds / base:.1f}x python -c pass)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
