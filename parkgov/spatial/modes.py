"""Colouring modes that apps above spatial add to the map (一张图), without spatial importing them.

An app registers a `ParcelMode` from its AppConfig.ready() (issue 15: supply's 承诺状态 and 闲置状态,
`parkgov.supply.map_data`). A mode's properties join the tiles' rated properties: they are computed once per data
version into the parcel table the tiles are cut from (`tile_data`), carried by detailed and generalised tiles and
the card for the roles the mode is shown to (`tiles.rated_names`), counted for the legends in a table of their
own (`services.legend_counts`), and the mode's `version()` is part of the tiles' data version, so that what the
mode reads changing (a new review run) makes new tiles, entity tags and legend counts.
"""

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True)
class ParcelMode:
    """One app's map properties: `names` (String tile properties, null = none), `ratings(cursor, parcels)` →
    {name: Series aligned with `parcels`' "id" column}, `shown(scope)` → whether the user's tiles carry them,
    `legends()` → {mode key: legend} (title, property, note, items of value, label, colour; as services._legends),
    `version()` → what the ratings depend on besides the tile sources, `module` → the module computing them (its
    source decides the arrays shared between processes)."""

    names: tuple
    ratings: Callable
    shown: Callable
    legends: Callable
    version: Callable
    module: ModuleType


_MODES: dict = {}


def register(mode: ParcelMode) -> None:
    """Add `mode` (again under the same names: replaced, so a reloaded app registers once)."""
    _MODES[mode.names] = mode


def registered() -> tuple:
    """The registered modes, in the order they were registered."""
    return tuple(_MODES.values())


def names() -> tuple:
    """Every registered mode's property names."""
    return tuple(name for mode in _MODES.values() for name in mode.names)


def version() -> tuple:
    """The registered modes' versions."""
    return tuple(mode.version() for mode in _MODES.values())
