"""``python -m chaffra_management``: the standalone management server."""

from __future__ import annotations

import sys

from chaffra_management._serve import main

sys.exit(main())
