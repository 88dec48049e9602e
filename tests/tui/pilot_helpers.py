"""Driving the real app as an associate would: keys, a scanner's burst of digits and Enter, patience."""

from textual import events
from textual.keys import _character_to_key  # how pilot.press names a typed character
from textual.widgets import Static

from tests.waiting import eventually


async def until(pilot, condition, timeout: float = 30.0, step: float = 0.1) -> None:
    """`tests.waiting.eventually`, pausing through the Pilot so the app keeps drawing meanwhile."""
    await eventually(condition, timeout, step=step, pause=pilot.pause)


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def sign_in(pilot, associate_id: str, pin: str) -> None:
    await pilot.click("#associate")
    await pilot.press(*associate_id, "enter", *pin, "enter")


async def scan(pilot, code: str) -> None:
    """A barcode scanner: the code's characters in one burst, then Enter.

    The characters reach the app as a scanner sends them: queued back to back, through the same driver
    `pilot.press` uses, without its wait for the screen to settle after each key (a tenth of a second a key).
    """
    app = pilot.app
    for character in code:
        key = character if character.isalnum() else _character_to_key(character)
        event = events.Key(key, character)
        event.set_sender(app)
        app._driver.send_message(event)
    await pilot.press("enter")
