"""Head office's figures: KPIs of a range of days and per-day series for charts, as JSON or CSV (read).
Every figure is defined in docs/reports.md."""

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import AfterValidator, AwareDatetime, BaseModel, Field

from central.api.deps import ReadDep, ServiceDep
from central.domain.reports import DAILY, Window
from central.services.reports import daily_csv, kpis_csv
from shared.contract.models import FIRST_YEAR, LAST_YEAR
from shared.contract.subjects import STORE_ID
from shared.runtime.clock import utc_now

router = APIRouter(prefix="/v1/reports", tags=["reports"])


def _within_calendar(day: date) -> date:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValueError(f"a day between the years {FIRST_YEAR} and {LAST_YEAR} is expected")
    return day


Day = Annotated[date, AfterValidator(_within_calendar)]
FromQuery = Annotated[Day, Query(alias="from", description="The first day (UTC), YYYY-MM-DD.")]
ToQuery = Annotated[Day, Query(alias="to", description="The last day (UTC), YYYY-MM-DD, included.")]
StoreQuery = Annotated[str | None, Query(pattern=STORE_ID.pattern, description="Only this store (or warehouse).")]
ChannelQuery = Annotated[str | None, Query(min_length=1, max_length=50,
                                           description="Only this channel; `walk_in` is the stores' own receipts.")]
FormatQuery = Annotated[Literal["json", "csv"], Query(alias="format", description="`csv` for a spreadsheet.")]
CSV = {200: {"content": {"text/csv": {}}, "description": "The same figures, as CSV when `format=csv`."}}


Rate = Annotated[float | None, Field(ge=0, description="A share (0 to 1; returns of earlier sales can take a return "
                                                        "rate above 1); null when there was nothing to count.")]
Seconds = Annotated[float | None, Field(description="Seconds; null when there was nothing to measure.")]


class OrderCounts(BaseModel):
    placed: int
    completed: int
    customer_cancelled: int


class CycleTime(BaseModel):
    orders: int
    p50_s: Seconds
    p90_s: Seconds


class FillRate(BaseModel):
    orders: int
    units_wanted: int
    units_filled: int
    rate: Rate


class SplitRate(BaseModel):
    orders: int
    split: int
    rate: Rate


class BackorderRate(BaseModel):
    orders: int
    backordered: int
    rate: Rate


class RerouteRate(BaseModel):
    allocations: int
    rerouted: int
    rate: Rate
    reasons: dict[str, int] = Field(description="Allocations per rejection reason (`timed_out`: no answer).")


class Pickups(BaseModel):
    ready: int
    collected: int
    no_shows: int
    no_show_rate: Rate
    wait_p50_s: Seconds
    wait_p90_s: Seconds


class ShortPickRate(BaseModel):
    picked: int
    short: int
    rate: Rate


class ReturnGroup(BaseModel):
    reason: str
    disposition: str
    units: int
    rate: Rate


class Returns(BaseModel):
    units_sold: int
    units_returned: int
    conflict_units: int = Field(description="Units refunded beyond what was left to return: refund conflicts.")
    rate: Rate
    by_reason: list[ReturnGroup]


class Stockouts(BaseModel):
    skus_with_demand: int
    out_of_stock: int
    rate: Rate
    skus: list[str]


class SalesRow(BaseModel):
    store_id: str | None = Field(description="null: online orders shipped to the customer.")
    channel: str
    currency: str
    documents: int = Field(description="Receipts or orders.")
    sales: int
    takings: int
    refunds: int
    net_takings: int
    by_tender: dict[str, int] = Field(description="Money per tender: taken less refunded.")


class CreditLiability(BaseModel):
    currency: str
    notes: int
    outstanding: int


class SyncLag(BaseModel):
    store_id: str
    last_heartbeat_at: AwareDatetime | None
    heartbeat_age_s: Seconds
    events_behind: int | None = Field(description="Events the store announced that central has not applied.")
    unsent: int | None = Field(description="Events waiting in the store's outbox (its last heartbeat).")
    lag_s: Seconds = Field(description="Age of the oldest event not yet at central; 0 when none waits.")
    gap_since: AwareDatetime | None


class KpiReport(BaseModel):
    from_: date = Field(alias="from")
    to: date
    store: str | None
    channel: str | None
    computed_at: AwareDatetime
    orders: OrderCounts
    cycle_time: CycleTime
    fill_rate: FillRate
    split_rate: SplitRate
    backorder_rate: BackorderRate
    reroute_rate: RerouteRate
    pickups: Pickups
    short_pick_rate: ShortPickRate
    returns: Returns
    stockouts: Stockouts
    sales: list[SalesRow]
    credit_liability: list[CreditLiability]
    sync_lag: list[SyncLag]


class DailyPoint(BaseModel):
    date: date
    currency: str | None = Field(description="Money metrics: one point per currency and day.")
    value: float | int | None


class DailySeries(BaseModel):
    metric: str
    from_: date = Field(alias="from")
    to: date
    store: str | None
    channel: str | None
    points: list[DailyPoint]


@router.get("/kpis", response_model=KpiReport, response_model_by_alias=True, responses=CSV,
            summary="KPIs of a range of days: orders, fulfilment, pickups, returns, stockouts, sales, credit, "
                    "sync (read)")
def kpis(service: ServiceDep, _: ReadDep, first: FromQuery, last: ToQuery, store: StoreQuery = None,
         channel: ChannelQuery = None, format_: FormatQuery = "json"):
    report = service.reports.kpis(Window(first, last), store, channel, utc_now())
    if format_ == "csv":
        return Response(kpis_csv(report), media_type="text/csv")
    return report


@router.get("/daily", response_model=DailySeries, response_model_by_alias=True, responses=CSV,
            summary="One metric per day, for charts (read)")
def daily(service: ServiceDep, _: ReadDep, first: FromQuery, last: ToQuery,
          metric: Annotated[str, Query(max_length=40, description=f"One of {', '.join(sorted(DAILY))}.")],
          store: StoreQuery = None, channel: ChannelQuery = None, format_: FormatQuery = "json"):
    series = service.reports.daily(Window(first, last), metric, store, channel, utc_now())
    if format_ == "csv":
        return Response(daily_csv(series), media_type="text/csv")
    return series
