"""Tokligence Gateway: the native gateway binary, installed as a Python package.

The wheel ships the compiled binary as `gateway` in the environment's scripts directory
(ruff/uv layout); this package only finds it and hands over control.
"""

from __future__ import annotations

from ._find_bin import find_gateway_bin

__all__ = ["find_gateway_bin", "__version__"]


def _read_version() -> str:
    try:
        from importlib.metadata import version

        return version("tokligence")
    except Exception:  # not installed (running from a source tree)
        return "0.0.0+unknown"


__version__ = _read_version()
