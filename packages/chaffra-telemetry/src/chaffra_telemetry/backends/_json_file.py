"""The ``json-file`` backend: the projected snapshot as pretty JSON, replaced atomically."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from chaffra_telemetry._atomic import atomic_write_text
from chaffra_telemetry._config import DEFAULT_JSON_FILE_PATH
from chaffra_telemetry._project_dir import PROJECT_DIR, project_dir_problem, safe_project_dir
from chaffra_telemetry._projection import ProjectedSnapshot, require_projected
from chaffra_telemetry.backends._format import check_directory, pretty_json, resolve_path
from chaffra_telemetry.errors import BackendError, TelemetryError

__all__ = ["JsonFileBackend"]


class JsonFileBackend:
    """Overwrite one file with the latest projected snapshot on every flush.

    A relative ``path`` is resolved against ``project_root`` when given (else
    against the working directory). The parent directory is never created,
    except a project's own ``.chaffra/`` directory (the default location),
    which is created with its ``.gitignore`` as every project file there is,
    and refused when it is a symlink or someone else's. The file itself is
    never replaced through a symlink.
    """

    name = "json-file"

    def __init__(
        self, path: str | Path = DEFAULT_JSON_FILE_PATH, *, project_root: Path | None = None
    ) -> None:
        self.path = resolve_path(str(path), project_root)

    def render(self, snapshot: ProjectedSnapshot) -> str:
        """The file content: ``snapshot.to_dict()`` as 2-space JSON, sorted map keys, no NaN.

        Raises:
            TypeError: ``snapshot`` is not a :class:`ProjectedSnapshot`.
            TelemetrySerializationError: the snapshot cannot be encoded.
        """
        return pretty_json(require_projected(snapshot).to_dict())

    def flush(self, snapshot: ProjectedSnapshot) -> None:
        """Replace the file atomically: readers see the old or the new content, never a mix.

        Raises:
            TypeError: ``snapshot`` is not a :class:`ProjectedSnapshot`.
            BackendError: the directory is missing or unsafe, the file is a symlink,
                or it cannot be written.
        """
        text = self.render(snapshot)
        if self._in_project_dir:
            _as_backend_error(safe_project_dir, self.path.parent.parent)
        check_directory(self.path.parent)
        _as_backend_error(atomic_write_text, self.path, text)

    def test_connection(self) -> str:
        """``will write to <path>`` when the directory exists and is writable.

        Raises:
            BackendError: the directory is missing, not writable, or an unsafe ``.chaffra``.
        """
        if self._in_project_dir:
            root = self.path.parent.parent
            problem = project_dir_problem(root)
            if problem is not None:
                raise BackendError(f"refusing to use {self.path.parent}: {problem}")
            check_directory(root)
        else:
            check_directory(self.path.parent)
        return f"will write to {self.path}"

    @property
    def _in_project_dir(self) -> bool:
        return self.path.parent.name == PROJECT_DIR

    def inspect(self, snapshot: ProjectedSnapshot) -> str:
        """Exactly the text :meth:`flush` writes.

        Raises:
            TypeError: ``snapshot`` is not a :class:`ProjectedSnapshot`.
        """
        return self.render(snapshot)


def _as_backend_error(operation: Callable[..., object], *args: object) -> None:
    try:
        operation(*args)
    except TelemetryError as error:
        raise BackendError(str(error)) from error
