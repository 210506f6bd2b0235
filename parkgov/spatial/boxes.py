"""Pairs of bounding boxes that meet (a sweep in stripes) and boxes near others (a uniform grid), in NumPy: the
candidates of the topology check without building a GEOS geometry or an STRtree for a million parcels (their boxes
are stored with them)."""

import numpy as np

# A box covering more cells than this (of a stripe's height, in `box_pairs`) is compared with every other box directly
# instead of being put in its cells or stripes (a parcel as large as a county would otherwise fill millions of cells).
MAX_CELLS = 4096
SIDE_SAMPLE = 100_000  # boxes (every k-th) whose median side sets the stripes and cells
DENSE_CELLS = 1 << 25  # up to this many cells in the grid, `boxes_near` looks them up in a bitmap (32 MiB)


def median_side(boxes: np.ndarray) -> float:
    """The median of the larger sides of `boxes` (n, 4), rows with a NaN left out: the stripe height of
    `box_pairs` (each box in one or two stripes, a few others beside it in each)."""
    boxes = boxes[::max(1, len(boxes) // SIDE_SAMPLE)]  # a spread sample: a heuristic, not a result
    finite = finite_rows(boxes)
    if not finite.any():
        return 1.0 / 3
    sides = np.maximum(boxes[finite, 2] - boxes[finite, 0], boxes[finite, 3] - boxes[finite, 1])
    side = float(np.median(sides))
    return side if side > 0 else max(float(sides.max()), 1e-9) / 3


def grid_cell(boxes: np.ndarray) -> float:
    """A cell size for `boxes` (n, 4): three times their median larger side, so most boxes fall in one to four
    cells and a cell holds a few boxes."""
    return 3 * median_side(boxes)


def box_pairs(boxes: np.ndarray, pad: float = 0.0, *, height: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i < j) of the boxes (n, 4: min_x, min_y, max_x, max_y) that meet once each is grown by `pad`
    on every side (touching counts); rows with a NaN take part in none. Each pair once, sorted by (i, j).

    A sweep in horizontal stripes `height` high (default `median_side`): each box is entered in the stripes its
    rows cover, each stripe is ordered by the boxes' left edges, and a box is compared only with the boxes after it
    in a stripe whose left edge is not beyond its right edge — on a map, the few beside it. A pair is kept in the
    stripe of the lower edge of the two boxes' overlap, so once."""
    boxes = np.asarray(boxes, dtype=float)
    finite = finite_rows(boxes)
    kept = boxes if finite.all() else boxes[finite]
    if len(kept) < 2:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    height = height or median_side(kept) + 2 * pad  # the grown boxes' median side
    by_x = np.argsort(kept[:, 0], kind="stable")  # stable: fast on the runs of an ordered layer
    x0, y0, x1, y1 = (kept[by_x, c] + d for c, d in ((0, -pad), (1, -pad), (2, pad), (3, pad)))
    origin = y0.min()
    low = np.floor((y0 - origin) / height).astype(np.int64)
    counts = np.floor((y1 - origin) / height).astype(np.int64) - low + 1
    big = counts * (np.floor((x1 - x0) / height).astype(np.int64) + 1) > MAX_CELLS
    firsts, seconds = [], []
    for k in np.flatnonzero(big):  # a huge box against every box, by comparison
        meets = np.flatnonzero((x0 <= x1[k]) & (x0[k] <= x1) & (y0 <= y1[k]) & (y0[k] <= y1))
        firsts.append(np.full(len(meets) - 1, k))
        seconds.append(meets[meets != k])
    counts[big] = 0
    owner = np.repeat(np.arange(len(kept)), counts)
    stripe = np.repeat(low - np.cumsum(counts) + counts, counts) + np.arange(len(owner))
    order = _argsort(stripe)  # stable: within a stripe by left edge (owner is the rank by left edge)
    owner, stripe = owner[order], stripe[order]
    for first, second in _stripe_pairs(owner, stripe, x0, y0, x1, y1, origin, height):
        firsts.append(first)
        seconds.append(second)
    a, b = by_x[np.concatenate(firsts)], by_x[np.concatenate(seconds)]
    key = np.minimum(a, b) * np.int64(len(kept)) + np.maximum(a, b)
    key = np.sort(key)
    if big.any():  # a huge box's pairs perhaps also found in stripes or by another huge box
        key = key[np.concatenate([[True], key[1:] != key[:-1]])]
    a, b = np.divmod(key, len(kept))
    return (a, b) if finite.all() else (np.flatnonzero(finite)[a], np.flatnonzero(finite)[b])


SWEEP_STEPS = 8  # entries this far apart in a stripe are compared step by step; the longer windows all at once


def _stripe_pairs(owner, stripe, x0, y0, x1, y1, origin, height):
    """Yield (first, second) owners of the entries of a stripe (sorted by stripe, then left edge) whose boxes
    meet, each pair in the stripe of its overlap's lower edge."""
    ex0, ex1, ey0, ey1 = x0[owner], x1[owner], y0[owner], y1[owner]
    last = len(owner)
    alive = np.arange(last - 1)

    def meeting(left, right):
        top = np.maximum(ey0[left], ey0[right])
        meets = (top <= ey1[left]) & (top <= ey1[right])
        meets[meets] = np.floor((top[meets] - origin) / height).astype(np.int64) == stripe[left[meets]]
        return owner[left[meets]], owner[right[meets]]

    step = 1
    while len(alive) and step <= SWEEP_STEPS:  # the windows shrink to none as `step` grows
        other = alive + step
        alive = alive[(stripe[other] == stripe[alive]) & (ex0[other] <= ex1[alive])]
        yield meeting(alive, alive + step)
        alive = alive[alive + step + 1 < last]
        step += 1
    if len(alive):  # the rest of the long windows: each entry's window end by a search in (stripe, left edge)
        key = stripe * np.int64(len(x0) + 1) + owner
        right = np.searchsorted(x0, ex1[alive], side="right")  # boxes (by left edge) starting at most there
        end = np.searchsorted(key, stripe[alive] * np.int64(len(x0) + 1) + right)
        widths = np.maximum(end - alive - step, 0)
        left = np.repeat(alive, widths)
        yield meeting(left, left + step + np.arange(len(left)) - np.repeat(np.cumsum(widths) - widths, widths))


def boxes_near(boxes: np.ndarray, others: np.ndarray, cell: float) -> np.ndarray:
    """Which of `boxes` share a grid cell of size `cell` with one of `others` (a superset of those whose boxes
    meet one of them: a box that shares no cell meets none). Rows with a NaN are near nothing."""
    boxes, others = np.asarray(boxes, dtype=float), np.asarray(others, dtype=float)
    near = np.zeros(len(boxes), dtype=bool)
    mine, theirs = finite_rows(boxes), finite_rows(others)
    if not mine.any() or not theirs.any():
        return near
    own = boxes if mine.all() else boxes[mine]
    others = others if theirs.all() else others[theirs]
    origin = np.minimum(own[:, :2].min(axis=0), others[:, :2].min(axis=0))
    stride = max(_stride(own, cell, origin), _stride(others, cell, origin))
    marked, _owner, huge = _explode(others, cell, origin, stride)
    columns = int(np.floor((max(own[:, 2].max(), others[:, 2].max()) - origin[0]) / cell)) + 1
    if columns * stride <= DENSE_CELLS:  # a bitmap of the marked cells: one lookup a corner
        bitmap = np.zeros(columns * stride, dtype=bool)
        bitmap[marked] = True
        within = bitmap.__getitem__
    else:
        marked = np.unique(marked)
        within = lambda values: _within(values, marked)  # noqa: E731
    # a box smaller than a cell covers just the cells of its corners (every box's corners are in the grid)
    low_x, low_y, high_x, high_y = (np.floor((own[:, c] - origin[c % 2]) / cell).astype(np.int64) for c in range(4))
    low_x, high_x = low_x * stride, high_x * stride
    hit = within(low_x + low_y) | within(low_x + high_y) | within(high_x + low_y) | within(high_x + high_y)
    small = (high_x - low_x <= stride) & (high_y - low_y <= 1)
    rest = np.flatnonzero(~small)
    if len(rest):
        cells, owner, big = _explode(own[rest], cell, origin, stride)
        hit[rest] = False
        hit[rest[np.unique(owner[within(cells)])]] = True
        for k in np.flatnonzero(big):
            hit[rest[k]] = _meet(own[rest[k]], others).any()
    for k in np.flatnonzero(huge):
        hit |= _meet(others[k], own)
    if mine.all():
        return hit
    near[mine] = hit
    return near


def finite_rows(boxes: np.ndarray) -> np.ndarray:
    """Which rows of `boxes` (n, 4) have no NaN or infinity (one comparison a row of the four flags' bytes)."""
    flags = np.ascontiguousarray(np.isfinite(boxes))
    return flags.view(np.uint32)[:, 0] == 0x01010101


def _argsort(cells) -> np.ndarray:
    """The stable order that sorts the (non-negative) cell ids: two radix passes of 16 bits where they fit in 32
    (NumPy radix-sorts 16-bit keys, three times as fast as a comparison sort of int64 here), else a plain sort."""
    if not len(cells) or cells.max() >= 1 << 32:
        return np.argsort(cells, kind="stable")
    order = np.argsort((cells & 0xFFFF).astype(np.uint16), kind="stable")
    return order[np.argsort((cells >> 16).astype(np.uint16)[order], kind="stable")]


def _within(values, sorted_values) -> np.ndarray:
    """Which of `values` are in the sorted array `sorted_values`."""
    if not len(sorted_values):
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_values, values), len(sorted_values) - 1)
    return sorted_values[at] == values


def _stride(boxes, cell, origin) -> int:
    return int(np.floor((boxes[:, 3].max() - origin[1]) / cell)) + 1


def _explode(boxes, cell, origin, stride=None) -> tuple:
    """(cell ids, owner) of every grid cell each box covers, and which boxes were too big to be put in cells."""
    stride = stride or _stride(boxes, cell, origin)
    low = np.floor((boxes[:, :2] - origin) / cell).astype(np.int64)
    high = np.floor((boxes[:, 2:] - origin) / cell).astype(np.int64)
    height = high[:, 1] - low[:, 1] + 1
    counts = (high[:, 0] - low[:, 0] + 1) * height
    big = counts > MAX_CELLS
    counts = np.where(big, 0, counts)
    owner = np.repeat(np.arange(len(boxes)), counts)
    offset = np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts, counts)
    rows = height[owner]
    return (low[owner, 0] + offset // rows) * stride + low[owner, 1] + offset % rows, owner, big


def _meet(box, boxes) -> np.ndarray:
    return (boxes[:, 0] <= box[2]) & (box[0] <= boxes[:, 2]) & (boxes[:, 1] <= box[3]) & (box[1] <= boxes[:, 3])
