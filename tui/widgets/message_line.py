"""The line under a working screen that says what just happened: red when it went wrong, green when it is done."""

from textual.widgets import Static


class MessageLine(Static):
    DEFAULT_CSS = """
    MessageLine { height: auto; padding: 0 1; }
    MessageLine.error { color: $error; }
    MessageLine.done { color: $success; }
    """

    def say(self, text: str, error: bool = False, done: bool = False) -> None:
        self.set_class(error, "error")
        self.set_class(done, "done")
        self.update(text)


class SaysMessages:
    """For a screen that shows a MessageLine: `self.say(text, error=…)` from its actions and workers."""

    def say(self, text: str, error: bool = False, done: bool = False) -> None:
        self.query_one(MessageLine).say(text, error=error, done=done)
