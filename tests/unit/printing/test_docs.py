"""docs/printing.md stays honest: every job kind, target form and setting it must explain is in it."""

from pathlib import Path

from edge.printing.jobs import KINDS
from edge.printing.printers import PrinterConfig
from edge.printing.service import PrintingSettings
from edge.printing.targets import FORMS

DOC = (Path(__file__).parents[3] / "docs" / "printing.md").read_text(encoding="utf-8")


def test_every_job_kind_is_documented():
    assert [kind for kind in KINDS.values() if f"`{kind}`" not in DOC] == []


def test_every_target_form_is_documented():
    assert [form for form in FORMS.replace(" or ", ", ").split(", ") if f"`{form}`" not in DOC] == []


def test_every_setting_is_documented():
    fields = [*PrinterConfig.model_fields, *PrintingSettings.model_fields]
    assert [name for name in fields if name not in DOC] == []
