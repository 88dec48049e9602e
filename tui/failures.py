"""An unexpected error never passes silently: a worker that fails shows a line on its screen, rings the bell, is
logged with its traceback, and the screen goes on working.

A worker's state change is posted to the screen that started it and does not bubble to the app, so each screen
handles its own (`ShowsFailures`); the app handles those of its own workers the same way.
"""

import logging

from textual.css.query import NoMatches
from textual.dom import DOMNode
from textual.worker import Worker, WorkerState

from tui.widgets.message_line import MessageLine

log = logging.getLogger("tui")


def failure_text(error: BaseException) -> str:
    return (f"Something went wrong ({type(error).__name__}: {error}). Nothing is lost on this screen; try again, "
            "and tell a manager if it happens again.")


def report_failure(node: DOMNode, worker: Worker) -> None:
    error = worker.error
    if error is None or isinstance(error, NoMatches):  # NoMatches: the screen closed while its worker ran
        return
    log.error("%s failed on %s", worker.name, type(node).__name__,
              exc_info=(type(error), error, error.__traceback__))
    app = node.app
    app.bell()
    getattr(app, "release_keys", lambda: None)()  # keys held for a dialog that will not come
    lines = node.query(MessageLine) if node.is_attached else []
    if lines:
        lines.first().say(failure_text(error), error=True)
    else:
        app.notify(failure_text(error), severity="error", timeout=10)


class ShowsFailures:
    """Mixed into a screen: its workers' unexpected errors are reported by `report_failure`."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            report_failure(self, event.worker)
