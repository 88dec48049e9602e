"""Bulk imports (issue 13 §2): a CSV upload is stored, then read in the background in batches, row by row.

Each row is one unit: validated by the model of the single-item route, then applied under a savepoint, so a row
refused at any point changes nothing while the good rows of its batch apply. A batch is one transaction that also
records its progress and refusals. The file is parsed with the standard `csv` module.
"""

import asyncio
import csv
import hashlib
import io
import logging
import threading
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ValidationError

from central.services.import_kinds import ImportKind, RowRefused
from central.store import imports as store
from shared.contract.errors import DomainError, InvalidInput, NotFound
from shared.runtime.clock import utc_now
from shared.runtime.ids import uuid7
from shared.runtime.sqlite import Database
from shared.runtime.wakeup import Wakeup
from shared.web import idempotency

log = logging.getLogger(__name__)
BATCH_ROWS = 500  # rows per transaction: large enough for speed, short enough not to hold the database long


@dataclass(frozen=True)
class _Job:
    import_id: str
    kind: ImportKind
    model: type[BaseModel]


class ImportStopped(Exception):
    """Central is stopping: the import ends where its last batch committed."""


def header_of(data: bytes, kind: ImportKind, model: type[BaseModel]) -> tuple[str, list[str]]:
    """The file's text and its header, refused (InvalidInput) when the columns do not fit the kind."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InvalidInput(f"The file is not UTF-8 text (byte {e.start} cannot be read); save it as CSV UTF-8.") from e
    try:
        header = [name.strip() for name in next(csv.reader(io.StringIO(text)), [])]
    except csv.Error as e:
        raise InvalidInput(f"The first row cannot be read as CSV: {e}.") from e
    if not any(header):
        raise InvalidInput("The file is empty; its first row must name the columns.")
    known = set(model.model_fields)
    unknown = [name for name in header if name not in known and name not in kind.ignored_columns]
    if unknown:
        raise InvalidInput(f"Unknown column(s) {', '.join(map(repr, unknown))}; the columns are "
                           f"{', '.join(model.model_fields)}.", columns=list(model.model_fields))
    missing = [name for name, f in model.model_fields.items() if f.is_required() and name not in header]
    if missing:
        raise InvalidInput(f"Missing column(s) {', '.join(map(repr, missing))}.", columns=list(model.model_fields))
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise InvalidInput(f"Column(s) {', '.join(map(repr, repeated))} appear more than once.")
    return text, header


def _sentence(error: dict, cells: dict[str, str]) -> str:
    column = str(error["loc"][0]) if error.get("loc") else None
    if error["type"] == "missing":
        return "This column is empty; it needs a value."
    message = error["msg"].removeprefix("Value error, ")
    cell = cells.get(column, "") if column else ""
    return f"{cell!r} is not accepted: {message[0].lower()}{message[1:]}."


def validate_row(kind: ImportKind, model: type[BaseModel], header: list[str], cells: list[str]) \
        -> tuple[BaseModel | None, list[tuple[str | None, str]]]:
    """The row as the model (empty cells are left out, so defaults apply) or its refusals (column, sentence)."""
    if len(cells) != len(header):
        return None, [(None, f"This row has {len(cells)} cells but the header names {len(header)} columns; "
                             "a comma inside a value must be in double quotes.")]
    cells_by_name = dict(zip(header, cells, strict=True))
    values = {name: cell.strip() for name, cell in zip(header, cells, strict=True)
              if name not in kind.ignored_columns and cell.strip() != ""}
    # Strings mode reads a cell as JSON would read it ("12" is 12) and takes no lists: a list column (its items
    # separated by spaces) is checked after the others, by the same model.
    lists = {name: values.pop(name).split() for name in kind.list_columns if name in values}
    try:
        row = model.model_validate_strings(values)
        return (model.model_validate({**row.model_dump(exclude=set(lists)), **lists}) if lists else row), []
    except ValidationError as e:
        return None, [(str(err["loc"][0]) if err.get("loc") else None, _sentence(err, cells_by_name))
                      for err in e.errors(include_url=False)]


class Imports:
    """`submit` stores an upload and answers at once; `run` (a loop of the service) reads the files in order."""

    def __init__(self, db: Database, kinds: dict[str, ImportKind], batch_rows: int = BATCH_ROWS):
        self._db, self._kinds, self._batch_rows = db, kinds, batch_rows
        self._queue: list[_Job] = []
        self._wake = Wakeup()
        self._stopping = False
        self._busy = threading.Lock()  # held while a file is read, so a stop can wait for its batch to commit
        with db.write() as conn:  # uploads left by a stop are not read again: the caller sends the file again
            for import_id in store.unfinished(conn):
                store.finish(conn, import_id, utc_now(), error="Head office stopped during this import; the rows "
                             "counted as applied are applied. Send the file again to apply the rest (rows already "
                             "applied apply again with the same values).")

    def submit(self, kind_name: str, data: bytes, model: type[BaseModel], now: datetime,
               idempotency_key: str | None = None) -> dict:
        """Store the upload (its header checked) and queue it: the import's view. The same key with the same file
        answers the first upload's view and queues nothing."""
        kind = self._kinds[kind_name]
        header_of(data, kind, model)
        import_id = uuid7()

        def create() -> dict:
            store.create(conn, import_id, kind_name, data, now)
            return store.view(conn, import_id)

        with self._db.write() as conn:
            _, view, made = idempotency.once(conn, f"imports:{kind_name}", idempotency_key,
                                             {"sha256": hashlib.sha256(data).hexdigest()}, 202, create)
        if made:
            self._queue.append(_Job(import_id, kind, model))
            self._wake.notify()
        return view

    def view(self, import_id: str) -> dict:
        with self._db.read() as conn:
            view = store.view(conn, import_id)
        if view is None:
            raise NotFound(f"There is no import {import_id}.")
        return view

    def refusals(self, import_id: str, cursor: str | None, limit: int) -> tuple[list[dict], str | None]:
        """Refusals in row order; the cursor is `row:seq` of the last one on the previous page."""
        self.view(import_id)
        after = (0, 0)
        if cursor and cursor.count(":") == 1 and all(p.isdigit() for p in cursor.split(":")):
            row, seq = cursor.split(":")
            after = (int(row), int(seq))
        with self._db.read() as conn:
            rows = store.refusals_page(conn, import_id, after, limit + 1)
        items = [{"row": r["row"], "column": r["column_name"], "message": r["message"]} for r in rows[:limit]]
        last = rows[limit - 1] if len(rows) > limit else None
        return items, (f"{last['row']}:{last['seq']}" if last else None)

    async def run(self) -> None:
        try:
            while True:
                await asyncio.to_thread(self.run_queued)
                await self._wake.wait(60)
        finally:
            self._stopping = True  # a batch in its worker thread finishes; the next one does not start

    def run_queued(self) -> None:
        """Carry out every import waiting, oldest first, in the calling thread."""
        while self._queue and not self._stopping:
            job = self._queue.pop(0)
            try:
                self.carry_out(job)
            except Exception:
                log.exception("import %s failed", job.import_id)
                self._finish(job, "The import stopped on an error of head office's own; the rows counted as "
                                  "applied are applied. Send the file again, and report it if it happens again.")

    def wait_idle(self) -> None:
        """Until no batch is being applied (after `run` was cancelled: none will start again)."""
        with self._busy:
            pass

    def carry_out(self, job: _Job) -> None:
        """Read the stored file to the end, a batch per transaction; a file that stops being CSV ends it."""
        with self._busy:
            self._read(job)

    def _read(self, job: _Job) -> None:
        with self._db.write() as conn:
            data = store.upload(conn, job.import_id)
            store.start(conn, job.import_id, utc_now())
        text, header = header_of(data, job.kind, job.model)
        reader = csv.reader(io.StringIO(text))
        next(reader)
        batch: list[tuple[int, list[str]]] = []
        row_number = 1
        try:
            for cells in reader:
                row_number += 1
                if any(cell.strip() for cell in cells):  # a blank line is no row to refuse
                    batch.append((row_number, cells))
                if len(batch) >= self._batch_rows:
                    self._apply_batch(job, header, batch)
                    batch = []
            self._apply_batch(job, header, batch)
        except csv.Error as e:
            self._apply_batch(job, header, batch)
            self._finish(job, f"Row {row_number + 1} cannot be read as CSV ({e}); the rows before it are done, "
                              "the rest of the file is not.")
            return
        except ImportStopped:
            return
        self._finish(job, None)

    def _apply_batch(self, job: _Job, header: list[str], batch: list[tuple[int, list[str]]]) -> None:
        if self._stopping:
            raise ImportStopped()
        refusals: list[tuple[int, str | None, str]] = []
        valid = []
        for row_number, cells in batch:
            row, problems = validate_row(job.kind, job.model, header, cells)
            if row is None:
                refusals.extend((row_number, column, message) for column, message in problems)
            else:
                valid.append((row_number, row))
        applied = []
        now = utc_now()
        with self._db.write() as conn:
            if job.kind.apply_all is not None:
                job.kind.apply_all(conn, [row for _, row in valid], now)
                applied, valid = [row for _, row in valid], []
            for row_number, row in valid:
                conn.execute("SAVEPOINT import_row")
                try:
                    job.kind.apply(conn, row, now)
                except RowRefused as e:
                    conn.execute("ROLLBACK TO import_row")
                    refusals.append((row_number, e.column, e.message))
                except DomainError as e:  # a refusal of the store layer no kind translated: still this row's alone
                    conn.execute("ROLLBACK TO import_row")
                    refusals.append((row_number, None, e.detail))
                else:
                    applied.append(row)
                conn.execute("RELEASE import_row")
            store.record_batch(conn, job.import_id, len(batch), len(applied), sorted(refusals, key=lambda r: r[0]))
        if applied:
            job.kind.after_commit(applied)

    def _finish(self, job: _Job, error: str | None) -> None:
        with self._db.write() as conn:
            store.finish(conn, job.import_id, utc_now(), error)
