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
