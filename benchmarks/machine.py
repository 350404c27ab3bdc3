"""The hardware a benchmark ran on, named for its header."""

import os
import platform


def cpu_name() -> str:
    """The CPU's model name (Linux: /proc/cpuinfo) and its core count."""
    name = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    name = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{name}, {os.cpu_count()} cores"


def machine_and_versions() -> str:
    """The CPU and the torch and scikit-learn versions, as a benchmark's
    header names what its numbers ran on."""
    import sklearn
    import torch

    return (
        f"{cpu_name()}, torch {torch.__version__}, scikit-learn {sklearn.__version__}"
    )
