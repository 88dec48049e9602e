"""Driving the real app as an associate would: keys, a scanner's burst of digits and Enter, patience."""

from textual import events
from textual.command import CommandList, CommandPalette
from textual.keys import _character_to_key  # how pilot.press names a typed character
from textual.widgets import Static

from tests.waiting import eventually
from tui.screens.fulfilments import ShipmentsScreen
from tui.screens.home import HomeScreen


async def until(pilot, condition, timeout: float = 30.0, step: float = 0.02) -> None:
    """`tests.waiting.eventually`, pausing through the Pilot so the app keeps drawing meanwhile."""
    await eventually(condition, timeout, step=step, pause=pilot.pause)


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def sign_in(pilot, associate_id: str, pin: str) -> None:
    await pilot.click("#associate")
    await type_text(pilot, associate_id)
    await pilot.press("enter")
    await type_text(pilot, pin)
    await pilot.press("enter")


async def ship_queue_of(pilot, app, associate: dict):
    """Signed in, F7 from home: the ship-from-store screen."""
    await sign_in(pilot, associate["id"], associate["pin"])
    await until(pilot, lambda: isinstance(app.screen, HomeScreen))
    await pilot.press("f7")
    await until(pilot, lambda: isinstance(app.screen, ShipmentsScreen))
    return app.screen


async def type_text(pilot, text: str) -> None:
    """Characters as a keyboard delivers them: queued back to back through the same driver `pilot.press` uses,
    without its wait for the screen to settle after each key (a tenth of a second a key); the app still handles
    them one by one, in order."""
    app = pilot.app
    for character in text:
        key = character if character.isalnum() else _character_to_key(character)
        event = events.Key(key, character)
        event.set_sender(app)
        app._driver.send_message(event)


async def keys(pilot, *parts: str) -> None:
    """`pilot.press` for a mix of text and named keys: text (`"12"`, `"DN-7781"`) typed as `type_text` does, each named
    key (`"enter"`, `"f10"`) pressed and waited for."""
    for part in parts:
        if part.startswith("<") and part.endswith(">"):
            await pilot.press(part[1:-1])
        else:
            await type_text(pilot, part)
            await pilot.pause()


async def scan(pilot, code: str) -> None:
    """A barcode scanner: the code's characters in one burst, then Enter."""
    await type_text(pilot, code)
    await pilot.press("enter")


def palette_offers(app, word: str) -> bool:
    """The command palette is open and its highlighted choice mentions `word` (its search has caught up)."""
    if not isinstance(app.screen, CommandPalette):
        return False
    choice = app.screen.query_one(CommandList).highlighted_option
    return choice is not None and word.lower() in str(choice.prompt).lower()
