"""Build the demo zone: generate it (parkgov.demo.generator), then write it through the import path."""

import time
from pathlib import Path

import polars as pl

from parkgov.audit.context import acting_as
from parkgov.ingest.export import write_exchange_workbook
from parkgov.ingest.services import write_frames
from parkgov.ledger.services import geometry_columns, ledger_summary_text


def build_demo(*, enterprises: int, seed: int, workbook: Path | None = None, write_db=True, actor=None,
               console=None, governance=False) -> str:
    """Generate the demo zone, optionally write it as an exchange workbook, and upsert it into the ledger.

    With `governance`, then build the demo's governance on it (parkgov.demo.governance: accounts, 盘活 targets,
    evaluations, reference layers, lists, 四个一批 and cases).
    """
    from parkgov.demo.generator import generate

    started = time.perf_counter()
    say = console.print if console else (lambda *_a, **_k: None)
    with _status(console, f"生成演示园区（{enterprises:,} 家企业，种子 {seed}）"):
        data = generate(enterprises=enterprises, seed=seed)
    say(f"已生成：{_counts(data.frames)}（{time.perf_counter() - started:.1f} 秒）")
    if workbook:
        with _status(console, f"写出交换工作簿 {workbook}"):
            write_exchange_workbook(path=workbook, frames=dict(data.frames))
        say(f"工作簿已写到 {workbook}")
    if not write_db:
        return f"演示数据已生成（未写入数据库）：{_counts(data.frames)}"
    frames = with_geometry(data)
    with _status(console, "写入数据库"), acting_as(actor, reason=f"演示园区 种子{seed}"):
        write_frames(frames=frames, actor=actor, file_name=f"demo-seed{seed}-n{enterprises}")
    say(f"已写入数据库（共 {time.perf_counter() - started:.1f} 秒）")
    if governance:
        from parkgov.demo.governance import build_governance

        build_governance(data=data, seed=seed, actor=actor, say=say)
        from parkgov.demo.supply import build_supply

        build_supply(data=data, seed=seed, actor=actor, say=say)
        from parkgov.demo.zones import build_zones

        build_zones(data=data, seed=seed, actor=actor, say=say)
        from parkgov.demo.topology import build_topology

        build_topology(data=data, seed=seed, actor=actor, say=say)
        from parkgov.demo.split_merge import build_split_merge

        build_split_merge(seed=seed, actor=actor, say=say)
        from parkgov.demo.zones_green import build_zones_green

        build_zones_green(seed=seed, actor=actor, say=say)
        from parkgov.demo.zones_targets import build_zone_targets

        build_zone_targets(data=data, seed=seed, actor=actor, say=say)
        from parkgov.demo.appeals import build_appeals

        build_appeals(seed=seed, actor=actor, say=say)
    return ledger_summary_text()


def with_geometry(data) -> dict:
    """The demo frames with stored geometry columns joined onto the 园区 and 地块 sheets."""
    frames = dict(data.frames)
    for sheet, geoms, with_area in (("地块", data.parcel_geometry, True), ("园区", data.zone_geometry, False)):
        columns = geometry_columns(geoms.get_column("wkb").to_list(), with_area=with_area)
        joined = pl.concat([geoms.select("code"), columns], how="horizontal")
        frames[sheet] = frames[sheet].join(joined, on="code", how="left")
    return frames


def _counts(frames) -> str:
    return "，".join(f"{name} {frame.height:,} 行" for name, frame in frames.items())


class _status:
    """A Rich spinner when a console is given, nothing otherwise."""

    def __init__(self, console, text):
        self.inner = console.status(text) if console else None

    def __enter__(self):
        if self.inner:
            self.inner.__enter__()
        return self

    def __exit__(self, *exc):
        if self.inner:
            return self.inner.__exit__(*exc)
        return False
