"""chaffra-lsp: chaffra's language server (pygls on lsprotocol, over stdio).

Diagnostics from every analyzer, pushed on open, change (debounced) and save
and pulled per document or for the whole workspace; hover with a function's
complexity, rank and trend and a diagnostic's rule explanation; code actions
(a module's safe fix, a suppression comment, the rule's documentation). Each
project is one :class:`chaffra_core.ProjectSession`: an edit re-analyses that
document from memory and re-combines the project, so cross-file findings of
other open documents follow; each save is a run through the telemetry
lifecycle into ``<project>/.chaffra/telemetry.db``.
"""

from __future__ import annotations

from chaffra_lsp._projects import ServerSettings
from chaffra_lsp._server import ChaffraServer, create_server, serve_stdio
from chaffra_lsp._version import VERSION

__version__ = VERSION

__all__ = ["ChaffraServer", "ServerSettings", "__version__", "create_server", "serve_stdio"]
