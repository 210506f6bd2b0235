"""The demo's supply (issue 15), built after its governance: 标准地 contracts through the `标准地承诺` sheet import,
admission applications in every outcome, idle parcels at each step of the clock with their notices and a
government-caused exception, 零增地 renovations, quota movements, and a review run as of the demo's date.

Each part lives in its own module `parkgov.demo.supply_<part>` with `build(*, data, seed, actor) -> int` (the rows
it made), run in the order of PARTS.
"""

from __future__ import annotations

import importlib
import importlib.util
import time

from django.db import transaction

from parkgov.audit.context import acting_as

PARTS = {"contracts": "标准地合同", "admission": "准入申请", "idle": "闲置土地文书", "landuse": "零增地与用地指标",
         "review": "供地复核"}


def build_supply(*, data, seed: int, actor, say) -> dict:
    """Run each part of the supply demo in order; says each part's count and time, returns the counts."""
    counts, seconds = {}, {}
    for part, label in PARTS.items():
        name = f"parkgov.demo.supply_{part}"
        if importlib.util.find_spec(name) is None:  # a part not built yet on this branch
            continue
        module = importlib.import_module(name)
        started = time.perf_counter()
        with transaction.atomic(), acting_as(actor, reason=f"演示园区 种子{seed}：{label}"):
            counts[part] = module.build(data=data, seed=seed, actor=actor)
        seconds[part] = time.perf_counter() - started
    say(f"已生成供地演示（共 {sum(seconds.values()):.1f} 秒）：" + "，".join(
        f"{PARTS[k]} {v:,}（{seconds[k]:.1f} 秒）" for k, v in counts.items()))
    return counts
