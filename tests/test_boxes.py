"""The box grid behind the topology check's candidates (`parkgov.spatial.boxes`) against brute force: every pair
of boxes that meet once grown, each once; every box near another set found (huge boxes and NaN rows included)."""

import numpy as np
import pytest

from parkgov.spatial import boxes


def _random_boxes(rng, n, size):
    x, y = rng.uniform(0, 100, n), rng.uniform(0, 100, n)
    return np.column_stack([x, y, x + rng.exponential(size, n), y + rng.exponential(size, n)])


def _meet(p, q) -> bool:
    return bool(np.isfinite(p).all() and np.isfinite(q).all() and p[0] <= q[2] and q[0] <= p[2] and p[1] <= q[3]
                and q[1] <= p[3])


@pytest.mark.parametrize("trial", range(12))
def test_box_pairs_are_every_meeting_pair_once(trial):
    rng = np.random.default_rng(trial)
    n = int(rng.integers(2, 250))
    found = _random_boxes(rng, n, 5)
    if trial % 3 == 0:
        found[rng.integers(0, n)] = [-1e6, -1e6, 1e6, 1e6]  # larger than MAX_CELLS cells
    if trial % 4 == 0:
        found[rng.integers(0, n)] = np.nan
    pad = 0.5 if trial % 2 else 0.0
    grown = found + np.array([-pad, -pad, pad, pad])
    i, j = boxes.box_pairs(found, pad)
    assert list(zip(i.tolist(), j.tolist())) == sorted((a, b) for a in range(n) for b in range(a + 1, n)
                                                       if _meet(grown[a], grown[b]))


def test_touching_boxes_on_a_grid_are_paired_with_their_eight_neighbours():
    k = np.arange(100)
    x, y = (k % 10) * 1.0, (k // 10) * 1.0
    i, j = boxes.box_pairs(np.column_stack([x, y, x + 1, y + 1]))
    assert len(i) == 2 * 9 * 10 + 2 * 9 * 9  # the edges and the diagonals of a 10 × 10 grid


@pytest.mark.parametrize("dense", [True, False])
@pytest.mark.parametrize("trial", range(6))
def test_boxes_near_finds_every_box_meeting_another(monkeypatch, dense, trial):
    if not dense:
        monkeypatch.setattr(boxes, "DENSE_CELLS", 0)
    rng = np.random.default_rng(100 + trial)
    n, m = int(rng.integers(2, 300)), int(rng.integers(1, 30))
    mine, theirs = _random_boxes(rng, n, 5), _random_boxes(rng, m, 3)
    if trial % 2:
        theirs[0] = [-1e5, -1e5, 1e5, 1e5]
        mine[rng.integers(0, n)] = np.nan
    near = boxes.boxes_near(mine, theirs, cell=4.0)
    meets = np.array([any(_meet(mine[a], theirs[k]) for k in range(m)) for a in range(n)])
    assert (near | ~meets).all()  # no box that meets one is missed (sharing a cell is enough to be near)
    assert not near[~np.isfinite(mine).all(axis=1)].any()
    far = np.array([all(not _meet(mine[a] + [-8, -8, 8, 8], theirs[k]) for k in range(m)) for a in range(n)])
    assert not near[far].any()  # a box two cells from every other shares no cell with one


@pytest.mark.parametrize("steps", [1, 8])
@pytest.mark.parametrize("trial", range(8))
def test_box_pairs_stripe_sweep_against_brute_force(monkeypatch, steps, trial):
    """The sweep's long windows (searched at once after SWEEP_STEPS steps), wide and tall boxes, shared edges and
    stripe heights from a tenth of the boxes' sides to ten times them: every meeting pair, once."""
    monkeypatch.setattr(boxes, "SWEEP_STEPS", steps)
    rng = np.random.default_rng(200 + trial)
    n = int(rng.integers(2, 300))
    found = _random_boxes(rng, n, 4)
    wide = rng.random(n) < 0.05
    found[wide, 2] += rng.uniform(20, 80, int(wide.sum()))
    tall = rng.random(n) < 0.05
    found[tall, 3] += rng.uniform(20, 80, int(tall.sum()))
    if trial % 2:  # boxes on a grid of integers share edges and corners exactly
        found = np.round(found)
    if trial % 3 == 0:
        found[rng.integers(0, n)] = [-1e6, 10, 1e6, 12]  # a huge box, one stripe high
        found[rng.integers(0, n)] = np.nan
    pad = 0.25 if trial % 4 == 1 else 0.0
    grown = found + np.array([-pad, -pad, pad, pad])
    expected = sorted((a, b) for a in range(n) for b in range(a + 1, n) if _meet(grown[a], grown[b]))
    for height in (None, 0.4, 4.0, 40.0):
        i, j = boxes.box_pairs(found, pad, height=height)
        assert list(zip(i.tolist(), j.tolist())) == expected
