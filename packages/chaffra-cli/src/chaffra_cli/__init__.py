"""chaffra-cli: the ``chaffra`` command.

Importing this package is cheap: the click application and everything the
commands need are imported only when a command runs, so ``chaffra --version``
starts about as fast as the interpreter.
"""

from __future__ import annotations

from chaffra_cli._main import main
from chaffra_cli._version import VERSION as __version__

__all__ = ["__version__", "main"]
