"""The map tools' settings (`data/map.yaml`), validated when loaded: reference-layer drawing, the margin around a
park-limited user's parks, the label zoom, search limits and the selection export's size."""

import re
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from parkgov.codes.datafiles import load_validated
from parkgov.errors import ConfigError

SETTINGS_FILE = Path(__file__).parent / "data" / "map.yaml"
COLOUR = r"^#[0-9a-fA-F]{6}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KindStyle(_Strict):
    draw: Literal["line", "fill"]
    colour: str = Field(pattern=COLOUR)
    width: float = Field(default=1.5, gt=0)
    opacity: float = Field(default=0.3, gt=0, le=1)


class SearchSettings(_Strict):
    min_chars: int = Field(ge=1)
    limit: int = Field(ge=1, le=200)


class MapSettings(_Strict):
    source: str
    verified: bool
    reference_margin_m: float = Field(ge=0)
    label_min_zoom: float = Field(ge=0, le=22)
    search: SearchSettings
    selection_max: int = Field(ge=1)
    kinds: dict[str, KindStyle]
    land_use_colours: dict[str, str]

    def model_post_init(self, context):
        from parkgov.governance.choices import ReferenceLayerKind

        missing = set(ReferenceLayerKind.values) - set(self.kinds)
        if missing:
            raise ValueError(f"kinds: 缺少图层类型 {', '.join(sorted(missing))}；应列出 "
                             f"{', '.join(ReferenceLayerKind.values)}")
        for code, colour in self.land_use_colours.items():
            if not re.fullmatch(r"\d\d", code):
                raise ValueError(f"land_use_colours: “{code}”应为两位数字的一级类代码")
            if not re.fullmatch(COLOUR, colour):
                raise ValueError(f"land_use_colours.{code}: 颜色“{colour}”应为 #RRGGBB")


@cache
def map_settings(path: Path = SETTINGS_FILE) -> MapSettings:
    """The settings (validated; errors name the file and the YAML path)."""
    return load_validated(path, MapSettings, noun="地图工具设置文件", error=ConfigError)
