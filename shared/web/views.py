"""The base of every response model of both APIs: the OpenAPI document shows the fields, the answer stays as the
service gave it."""

from pydantic import BaseModel, ConfigDict, model_serializer


class View(BaseModel):
    """An answer as the service gave it: fields it left out stay out (no nulls added), and fields not listed here
    pass through (a newer service may add one before its schema does)."""

    model_config = ConfigDict(extra="allow")

    @model_serializer(mode="wrap")
    def _as_given(self, handler):
        data = handler(self)
        given = self.model_fields_set | set(self.model_extra or {})
        return {key: value for key, value in data.items() if key in given}
