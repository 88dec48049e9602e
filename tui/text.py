"""Text fitted to a column: a long name shortens with an ellipsis instead of pushing the table off the screen."""


def shorten(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: max(0, width - 1)].rstrip() + "…"
