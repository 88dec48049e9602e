"""Driving the real app as an associate would: keys, a scanner's burst of digits and Enter, patience."""

import asyncio

from textual import events
from textual.command import CommandList, CommandPalette
from textual.css.query import NoMatches
from textual.keys import _character_to_key  # how pilot.press names a typed character
from textual.widgets import Static

from tests.waiting import eventually
from tui.screens.fulfilments import ShipmentsScreen
from tui.screens.home import HomeScreen


async def until(pilot, condition, timeout: float = 30.0, step: float = 0.02) -> None:
    """`tests.waiting.eventually`, pausing through the Pilot so the app keeps drawing meanwhile. A widget the
    condition looks for that is not there yet (`NoMatches`) counts as not yet: a screen mounts its widgets just after
    it is shown, and a busy machine lets a look fall between the two. If it never comes, the failure says so."""
    missing: list[NoMatches] = []

    def look():
        try:
            return condition()
        except NoMatches as e:
            missing[:] = [e]
            return False
    try:
        await eventually(look, timeout, step=step, pause=pilot.pause)
    except AssertionError as e:
        raise AssertionError(f"{e}; {missing[0]}" if missing else str(e)) from None


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


NAMED_KEYS = {"enter": "\r", "tab": "\t", "escape": "\x1b"}  # the rest type no character


async def burst(pilot, *parts: str, gap: float = 0.0) -> None:
    """Text and `<named>` keys in one stream, as a scanner or a fast typist sends them: nothing waits for the screen
    between them (`gap` seconds apart, e.g. 0.01 for a scanner's 10 ms a character)."""
    app = pilot.app
    for part in parts:
        if part.startswith("<") and part.endswith(">"):
            events_ = [events.Key(part[1:-1], NAMED_KEYS.get(part[1:-1]))]
        else:
            events_ = [events.Key(ch if ch.isalnum() else _character_to_key(ch), ch) for ch in part]
        for event in events_:
            event.set_sender(app)
            app._driver.send_message(event)
            if gap:
                await asyncio.sleep(gap)


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


class CountedKeys:
    """Drives the app as `pilot.press` and `scan` do, and counts what the associate did: each named key pressed is a
    key, each scan (the scanner's burst and its Enter) is a scan, not keys. The keystroke goals read these counts."""

    def __init__(self, pilot):
        self.pilot, self.keys, self.scans = pilot, 0, 0

    async def press(self, *named: str) -> None:
        self.keys += len(named)
        await self.pilot.press(*named)

    async def scan(self, code: str) -> None:
        self.scans += 1
        await scan(self.pilot, code)
