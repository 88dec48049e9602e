"""A request the agent may refuse until a manager approves (a price override, a refund without receipt).

Sell and returns share one shape: send under one Idempotency-Key; when the agent answers `manager_required`,
show the approval dialog and send again with the manager's id and PIN, under a new key — with the approval
in it, it is a different request, not a retry of the refused one.
"""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from textual.app import App

from tui.client import EdgeError
from tui.modals.manager import ManagerApprovalDialog

MANAGER_REQUIRED = "manager_required"


def new_key() -> str:
    return str(uuid.uuid4())


@dataclass
class PendingRequest:
    """A request body and its Idempotency-Key, kept until the agent answers: resending it is never a second sale."""

    body: dict
    key: str = field(default_factory=new_key)


class NotApproved(Exception):
    """The agent asked for a manager and the dialog was cancelled."""


async def send_with_manager(app: App, send: Callable[[dict, str], Awaitable[dict]], request: PendingRequest) -> dict:
    """The agent's answer to `send(body, key)`, asking for a manager's approval as often as the agent wants one.

    `request` is updated in place with the approved body and its key, so a retry after a timeout resends exactly
    what was last sent. Raises NotApproved when the manager dialog is cancelled; other errors pass through.
    """
    while True:
        try:
            return await send(request.body, request.key)
        except EdgeError as e:
            if e.code != MANAGER_REQUIRED:
                raise
            approval = await app.push_screen_wait(ManagerApprovalDialog(str(e)))
            if approval is None:
                raise NotApproved from e
            request.body, request.key = {**request.body, "manager": approval}, new_key()
