"""``python -m chaffra_cli``: the same as the ``chaffra`` command."""

from __future__ import annotations

import sys

from chaffra_cli._main import main

if __name__ == "__main__":
    sys.exit(main())
