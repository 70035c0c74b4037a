"""The progress bar: stderr only, interactive terminals only, long runs only."""

from __future__ import annotations

import io

from chaffra_cli._progress import MIN_FILES, progress_reporter


class Terminal(io.StringIO):
    """A text stream that claims to be a terminal."""

    def isatty(self) -> bool:
        return True


def test_no_bar_when_the_stream_is_not_a_terminal() -> None:
    with progress_reporter(enabled=True, stream=io.StringIO()) as progress:
        assert progress is None


def test_no_bar_when_disabled_by_no_progress_or_quiet() -> None:
    with progress_reporter(enabled=False, stream=Terminal()) as progress:
        assert progress is None


def test_no_bar_for_a_run_of_at_most_min_files() -> None:
    stream = Terminal()
    with progress_reporter(enabled=True, stream=stream) as progress:
        assert progress is not None
        for done in range(MIN_FILES + 1):
            progress(done, MIN_FILES)
    assert "" == stream.getvalue()


def test_a_bar_is_drawn_for_a_long_run_and_reaches_the_total() -> None:
    stream = Terminal()
    with progress_reporter(enabled=True, stream=stream, min_files=2) as progress:
        assert progress is not None
        for done in (0, 1, 1, 3, 2):  # late or repeated reports never move it backwards
            progress(done, 3)
    text = stream.getvalue()
    assert "Analysing" in text
    assert "3/3" in text


def test_the_default_stream_is_stderr_which_is_no_terminal_under_pytest() -> None:
    with progress_reporter(enabled=True) as progress:
        assert progress is None
