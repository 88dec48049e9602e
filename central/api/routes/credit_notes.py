"""Credit notes: store credit issued by returns at the stores and redeemed by sales anywhere (head office's view of
the liability)."""

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from central.api.deps import CursorQuery, LimitQuery, ReadDep, ServiceDep
from shared.contract.subjects import STORE_ID
from shared.runtime.clock import utc_now

router = APIRouter(prefix="/v1/credit-notes", tags=["credit notes"])
NumberPath = Annotated[str, Path(min_length=1, max_length=100, description="The note's number, e.g. S001-C000042.")]


class CreditNoteView(BaseModel):
    number: str
    store_id: str = Field(description="The store whose return issued it.")
    return_number: str = Field(description="The return whose refund it is.")
    currency: str
    original_amount: int = Field(ge=0, description="Minor units, as issued.")
    balance: int = Field(description="Minor units left (below zero only if a lapsed hold was spent twice).")
    held: int = Field(ge=0, description="Minor units held right now by sales not yet confirmed.")
    issued_at: str
    expires_at: str | None = Field(description="None: the note never expires.")
    status: Literal["open", "spent", "expired"]


class CreditEntry(BaseModel):
    kind: Literal["issued", "redeemed"]
    amount: int = Field(ge=0)
    store_id: str
    reference: str = Field(description="The return (issued) or receipt (redeemed) number.")
    occurred_at: str
    overdrawn: int = Field(ge=0, description="How far this redemption took the balance below zero.")


class CreditNoteDetail(CreditNoteView):
    entries: list[CreditEntry] = Field(description="Every issue and redemption, oldest first.")


class Outstanding(BaseModel):
    currency: str
    amount: int = Field(description="Minor units still owed on unexpired notes.")
    notes: int = Field(ge=0, description="Unexpired notes with money left.")


class CreditNotePage(BaseModel):
    items: list[CreditNoteView]
    next_cursor: str | None = None
    outstanding: list[Outstanding] = Field(description="The liability per currency, over every note (not just this "
                                                       "page).")


@router.get("/{number}", summary="A credit note with its balance and every issue and redemption (read)",
            response_model=CreditNoteDetail, responses={404: {"description": "not_found"}})
def get_credit_note(number: NumberPath, service: ServiceDep, _: ReadDep) -> dict:
    return service.credit_notes.get(number, utc_now())


@router.get("", summary="Credit notes by number, with the outstanding liability per currency (read)",
            response_model=CreditNotePage)
def list_credit_notes(service: ServiceDep, _: ReadDep, cursor: CursorQuery = None, limit: LimitQuery = 100,
                      store_id: Annotated[str | None, Query(pattern=STORE_ID.pattern,
                                                            description="Only notes issued by this store.")] = None,
                      currency: Annotated[str | None, Query(pattern=r"^[A-Z]{3}$")] = None) -> dict:
    return service.credit_notes.page(cursor, limit, utc_now(), store_id, currency)
