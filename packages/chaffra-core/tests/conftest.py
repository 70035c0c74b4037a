"""Every test gets its own result cache directory: the user's real cache is never touched."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _own_cache_directory(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    directory = tmp_path_factory.mktemp("chaffra-cache")
    monkeypatch.setenv("CHAFFRA_CACHE_DIR", str(directory))
    return directory
