"""The linkage config a partner writes: which column is the id, which fields to encode.

Only the id column and the fields with their kind are required; everything else
has defaults that work without tuning. The config is validated on load and every
error names the key that is wrong.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from schakel.errors import InvalidInput
from schakel.linkage._keys import SCHEMA_VERSION
from schakel.linkage._normalise import Kind


class InvalidConfig(InvalidInput):
    """A linkage config that does not fit the schema or the input."""


class FieldSpec(BaseModel):
    """One column to encode.

    ``name`` is the field's name in the encodings (default: the column). Partners
    whose columns are named differently agree on ``name`` so their fields line up.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str = Field(min_length=1)
    kind: Kind
    name: str | None = None

    @property
    def field_name(self) -> str:
        """The name under which the field appears in the encodings."""
        return self.name or self.column


class LinkageConfig(BaseModel):
    """A whole config: the id column, the fields, and the schema version."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id_column: str = Field(min_length=1)
    fields: tuple[FieldSpec, ...] = Field(min_length=1)
    version: int = SCHEMA_VERSION

    @model_validator(mode="after")
    def _check(self) -> "LinkageConfig":
        if self.version != SCHEMA_VERSION:
            raise ValueError(
                f"version {self.version} onbekend; deze Schakel kent {SCHEMA_VERSION}"
            )
        names = [f.field_name for f in self.fields]
        doubles = sorted({n for n in names if names.count(n) > 1})
        if doubles:
            raise ValueError(f"veldnaam dubbel: {', '.join(doubles)}")
        if self.id_column in {f.column for f in self.fields}:
            raise ValueError(f"id_column {self.id_column!r} staat ook bij fields")
        return self

    @classmethod
    def parse(cls, data: object) -> "LinkageConfig":
        """Validate a loaded YAML/JSON object, raising :class:`InvalidConfig`."""
        if isinstance(data, LinkageConfig):
            return data
        if not isinstance(data, Mapping):
            raise InvalidConfig("de config moet een mapping zijn (id_column, fields)")
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            problems = []
            for error in exc.errors():
                where = ".".join(str(p) for p in error["loc"]) or "config"
                problems.append(f"{where}: {error['msg']}")
            raise InvalidConfig("ongeldige config: " + "; ".join(problems)) from None

    def check_header(self, header: Sequence[str]) -> None:
        """Refuse a CSV header that lacks the id column or a configured column."""
        missing = [self.id_column] if self.id_column not in header else []
        missing += [f.column for f in self.fields if f.column not in header]
        if missing:
            raise InvalidConfig(
                "kolom ontbreekt in de CSV-kop: "
                + ", ".join(missing)
                + f" (kop: {', '.join(header)})"
            )


def config_from(data: Any) -> LinkageConfig:
    """Accept a :class:`LinkageConfig` or its dict form."""
    return LinkageConfig.parse(data)
