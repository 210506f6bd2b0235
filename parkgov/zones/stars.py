"""The star bands of zones (data/stars.yaml), validated at load."""

from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from parkgov.codes.datafiles import load_validated
from parkgov.errors import InputError

STARS_FILE = Path(__file__).parent / "data" / "stars.yaml"


class Band(BaseModel):
    model_config = ConfigDict(extra="forbid")
    stars: int = Field(ge=1, le=5)
    minimum: float = Field(ge=0, le=100)


class StarBands(BaseModel):
    """Bands from the most stars down; a score gets the first band whose minimum it reaches."""

    model_config = ConfigDict(extra="forbid")
    id: str
    version: int
    source: str = Field(min_length=1)
    verified: bool
    bands: list[Band] = Field(min_length=1)

    @model_validator(mode="after")
    def _descending(self):
        minimums = [b.minimum for b in self.bands]
        if minimums != sorted(minimums, reverse=True) or len(set(minimums)) != len(minimums):
            raise ValueError(f"bands: 各档下限应从高到低且不重复，现为 {minimums}")
        return self


@cache
def star_bands(path: Path = STARS_FILE) -> StarBands:
    return load_validated(path, StarBands, noun="星级分档", error=InputError)
