"""Lists computed by other apps (e.g. supply's 闲置土地), generated and stored like the rule lists.

Governance never imports those apps: an app registers a `ListSource` when it is ready (`register_list_source`),
and `lists.generate_lists` runs it beside the YAML rules — same run, same entries, same pages, exports and API.
A source's `entries(year=, as_of=, zone_ids=)` returns a frame with the list engine's output columns
(engine.OUTPUT_SCHEMA: subject_key, enterprise_id, parcel_id, zone_id, category, reasons, values as JSON text);
`digest()` fingerprints its rules and `input_digest(year=, zone_ids=)` its inputs, so a run stays reproducible.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

_SOURCES: dict = {}


@dataclass(frozen=True)
class SourceRef:
    citation: str
    url: str = ""


@dataclass(frozen=True)
class ListSource:
    """A list another app computes; it has the attributes of a ListRule that list runs record."""

    id: str
    version: int
    name: str
    owner_department: str
    subject: str
    source: SourceRef
    verified: bool
    entries: Callable
    digest: Callable[[], str]
    input_digest: Callable
    needs_evaluation: bool = False

    def leaves(self):
        """No conditions over ledger fields (so no field group hides its reasons)."""
        return ()

    def frame(self, *, year: int, zone_ids=None):
        return self.entries(year=year, as_of=dt.date(year, 12, 31), zone_ids=zone_ids)


def register_list_source(source: ListSource) -> None:
    """Add (or replace, by id) a list source; called from an app's `ready()`."""
    _SOURCES[source.id] = source


def list_sources() -> dict[str, ListSource]:
    """The registered sources by id."""
    return dict(_SOURCES)
