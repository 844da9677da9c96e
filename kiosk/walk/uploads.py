"""Which places the GPU holds, and what to upload next: a band of rows at a time.

Moving to a neighbouring place should cost nothing at the moment of the touch, so its
textures are uploaded ahead, while the visitor looks around. A 4096x4096 texture uploaded at
once stalls a Raspberry Pi for a visible moment; a band of a few hundred rows per frame does
not. Uploads pause while a finger is on the panorama (dragging stays smooth) and go on while
the view rests or turns by itself.

Plain Python: the Kivy side (kiosk.ui.widgets.panorama.GpuTextures) creates the textures and
blits the bands this plan names.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

BYTES_PER_TEXEL = 4
"""GPUs keep RGB textures as RGBX: count four bytes a texel."""
DEFAULT_BUDGET = 256 * 1024 * 1024
"""GPU bytes for panoramas at once. A Raspberry Pi's GPU memory comes out of the kernel's
contiguous memory pool (CMA, 256-512 MiB): at the largest size (2 x 4096 x 4096) this holds
the place shown and one neighbour; at 2 x 2048 x 2048, eight places."""

Size = tuple[int, int]


@dataclass
class _Job:
    sizes: list[Size]
    rows: list[int] = field(default_factory=list)
    allocated: list[bool] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rows = [0] * len(self.sizes)
        self.allocated = [False] * len(self.sizes)

    @property
    def nbytes(self) -> int:
        return sum(w * h * BYTES_PER_TEXEL for w, h in self.sizes)

    @property
    def complete(self) -> bool:
        return all(r >= h for r, (_w, h) in zip(self.rows, self.sizes, strict=True))


@dataclass(frozen=True)
class Band:
    """Upload rows [y0, y1) of texture `index` of place `key` (allocate it first if
    `allocate`: the one step that costs a whole texture's memory at once)."""

    key: str
    index: int
    y0: int
    y1: int
    allocate: bool


class UploadPlan:
    def __init__(self, budget: int = DEFAULT_BUDGET):
        self.budget = budget
        self._jobs: dict[str, _Job] = {}

    def want(self, wanted: Sequence[tuple[str, Sequence[Size]]]) -> list[str]:
        """Keep these places (most important first) within the budget; the first is always
        kept. Returns the places dropped: their textures should be released."""
        keep: list[str] = []
        total = 0
        for key, sizes in wanted:
            if key in keep:
                continue
            job = self._jobs.get(key) or _Job(list(sizes))
            if keep and total + job.nbytes > self.budget:
                continue
            self._jobs.setdefault(key, job)
            keep.append(key)
            total += job.nbytes
        dropped = [key for key in self._jobs if key not in keep]
        for key in dropped:
            del self._jobs[key]
        self._jobs = {key: self._jobs[key] for key in keep}  # in order of importance
        return dropped

    def next_band(self, ready: Callable[[str], bool], max_bytes: int) -> Band | None:
        """The next band to upload: of the most important place whose pixels are `ready`
        and whose textures are not complete; about `max_bytes` of pixels (at least a row)."""
        for key, job in self._jobs.items():
            if job.complete or not ready(key):
                continue
            for index, ((width, height), row) in enumerate(zip(job.sizes, job.rows, strict=True)):
                if row >= height:
                    continue
                if not job.allocated[index]:
                    return Band(key, index, row, row, allocate=True)
                rows = max(1, max_bytes // (width * 3))
                return Band(key, index, row, min(height, row + rows), allocate=False)
        return None

    def done(self, band: Band) -> None:
        """`band` has been uploaded."""
        job = self._jobs.get(band.key)
        if job is None:
            return
        if band.allocate:
            job.allocated[band.index] = True
        job.rows[band.index] = max(job.rows[band.index], band.y1)

    def complete(self, key: str) -> bool:
        job = self._jobs.get(key)
        return job is not None and job.complete

    def kept(self) -> list[str]:
        return list(self._jobs)

    def reserved(self) -> int:
        """GPU bytes of the places kept (allocated or about to be)."""
        return sum(job.nbytes for job in self._jobs.values())
