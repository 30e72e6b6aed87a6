"""The IQM error body: sent with every non-2xx response and kept in ``JobData.errors``."""

from pydantic import BaseModel, ConfigDict, model_validator


class ErrorBody(BaseModel):
    """An error as IQM clients parse it.

    ``detail`` is accepted as the old name of ``message`` and always written back beside it,
    as older clients read it.
    """

    model_config = ConfigDict(extra="ignore")

    message: str
    error_code: str | None = None
    source: str = "iqm-server"

    @model_validator(mode="before")
    @classmethod
    def _detail_alias(cls, data: object) -> object:
        if isinstance(data, dict) and "message" not in data and "detail" in data:
            return {**data, "message": data["detail"]}
        return data

    def wire(self) -> dict[str, object]:
        """The JSON object sent on the wire (``message`` mirrored as ``detail``)."""
        return {
            "message": self.message,
            "error_code": self.error_code,
            "source": self.source,
            "detail": self.message,
        }
