"""Pairs of bounding boxes that meet, found on a uniform grid in NumPy: the candidates of the topology check
without building a GEOS geometry or an STRtree for a million parcels (their boxes are stored with them)."""

import numpy as np

# A box covering more cells than this is compared with every other box directly instead of being put in its cells
# (a parcel as large as a county would otherwise fill millions of cells).
MAX_CELLS = 4096
DENSE_CELLS = 1 << 25  # up to this many cells in the grid, `boxes_near` looks them up in a bitmap (32 MiB)


def grid_cell(boxes: np.ndarray) -> float:
    """A cell size for `boxes` (n, 4): twice the median of their larger sides, so most boxes fall in one to four
    cells and a cell holds a few boxes."""
    finite = np.isfinite(boxes).all(axis=1)
    if not finite.any():
        return 1.0
    sides = np.maximum(boxes[finite, 2] - boxes[finite, 0], boxes[finite, 3] - boxes[finite, 1])
    cell = 3 * float(np.median(sides))
    return cell if cell > 0 else max(float(sides.max()), 1e-9)


def box_pairs(boxes: np.ndarray, pad: float = 0.0, *, cell: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i < j) of the boxes (n, 4: min_x, min_y, max_x, max_y) that meet once each is grown by `pad`
    on every side (touching counts); rows with a NaN take part in none. Each pair once, sorted by (i, j)."""
    boxes = np.asarray(boxes, dtype=float)
    n = len(boxes)
    empty = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64))
    finite = np.flatnonzero(np.isfinite(boxes).all(axis=1))
    if len(finite) < 2:
        return empty
    grown = boxes[finite] + np.array([-pad, -pad, pad, pad])
    cell = cell or grid_cell(grown)
    origin = grown[:, :2].min(axis=0)
    firsts, seconds = [], []
    cells, owner, big = _explode(grown, cell, origin)
    for k in np.flatnonzero(big):  # a huge box against every box, by comparison
        meets = np.flatnonzero(_meet(grown[k], grown))
        meets = meets[meets != k]
        firsts.append(np.full(len(meets), k))
        seconds.append(meets)
    stride = _stride(grown, cell, origin)
    order = _argsort(cells)
    cells, owner = cells[order], owner[order]
    x0, y0, x1, y1 = (np.ascontiguousarray(grown[owner, c]) for c in range(4))
    last = len(cells)
    alive = np.arange(last - 1)
    step = 1
    while len(alive):  # cells sorted: the entries `step` apart in one cell are a shrinking set as `step` grows
        alive = alive[cells[alive + step] == cells[alive]]
        other = alive + step
        meets = alive[(x0[alive] <= x1[other]) & (x0[other] <= x1[alive]) & (y0[alive] <= y1[other])
                      & (y0[other] <= y1[alive])]
        other = meets + step
        # each pair once: in the cell holding the lower-left corner of the two boxes' overlap
        corner_x = np.floor((np.maximum(x0[meets], x0[other]) - origin[0]) / cell).astype(np.int64)
        corner_y = np.floor((np.maximum(y0[meets], y0[other]) - origin[1]) / cell).astype(np.int64)
        meets = meets[corner_x * stride + corner_y == cells[meets]]
        firsts.append(owner[meets])
        seconds.append(owner[meets + step])
        alive = alive[alive + step + 1 < last]
        step += 1
    a, b = np.concatenate(firsts), np.concatenate(seconds)
    a, b = np.minimum(a, b), np.maximum(a, b)
    if big.any():  # a huge box's pairs were found by comparison, perhaps also in cells
        key = np.unique(a * np.int64(n) + b)
        a, b = key // n, key % n
    order = np.lexsort((b, a))
    return finite[a[order]], finite[b[order]]


def boxes_near(boxes: np.ndarray, others: np.ndarray, cell: float) -> np.ndarray:
    """Which of `boxes` share a grid cell of size `cell` with one of `others` (a superset of those whose boxes
    meet one of them: a box that shares no cell meets none). Rows with a NaN are near nothing."""
    boxes, others = np.asarray(boxes, dtype=float), np.asarray(others, dtype=float)
    near = np.zeros(len(boxes), dtype=bool)
    mine, theirs = np.flatnonzero(np.isfinite(boxes).all(axis=1)), np.isfinite(others).all(axis=1)
    if not len(mine) or not theirs.any():
        return near
    origin = np.minimum(boxes[mine, :2].min(axis=0), others[theirs, :2].min(axis=0))
    stride = max(_stride(boxes[mine], cell, origin), _stride(others[theirs], cell, origin))
    marked, _owner, huge = _explode(others[theirs], cell, origin, stride)
    columns = int(np.floor((max(boxes[mine, 2].max(), others[theirs, 2].max()) - origin[0]) / cell)) + 1
    if columns * stride <= DENSE_CELLS:  # a bitmap of the marked cells: one lookup a corner
        bitmap = np.zeros(columns * stride, dtype=bool)
        bitmap[marked] = True
        within = bitmap.__getitem__
    else:
        marked = np.unique(marked)
        within = lambda values: _within(values, marked)  # noqa: E731
    own = boxes[mine]
    small = (own[:, 2] - own[:, 0] < cell) & (own[:, 3] - own[:, 1] < cell)
    # a box smaller than a cell covers just the cells of its corners
    low = np.floor((own[small, :2] - origin) / cell).astype(np.int64)
    high = np.floor((own[small, 2:] - origin) / cell).astype(np.int64)
    hit = np.zeros(int(small.sum()), dtype=bool)
    for x, y in ((low[:, 0], low[:, 1]), (low[:, 0], high[:, 1]), (high[:, 0], low[:, 1]), (high[:, 0], high[:, 1])):
        hit |= within(x * stride + y)
    near[mine[small]] = hit
    rest = np.flatnonzero(~small)
    cells, owner, big = _explode(own[rest], cell, origin, stride)
    near[mine[rest[np.unique(owner[within(cells)])]]] = True
    for k in np.flatnonzero(big):
        near[mine[rest[k]]] = _meet(own[rest[k]], others[theirs]).any()
    for k in np.flatnonzero(huge):
        near[mine] |= _meet(others[theirs][k], own)
    return near


def _argsort(cells) -> np.ndarray:
    """The order that sorts the (non-negative) cell ids: two stable radix passes of 16 bits where they fit in 32
    (NumPy radix-sorts 16-bit keys, three times as fast as a comparison sort of int64 here), else a plain sort."""
    if not len(cells) or cells.max() >= 1 << 32:
        return np.argsort(cells)
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
