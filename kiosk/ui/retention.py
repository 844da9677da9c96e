"""Which built screens the kiosk lets go: memory is short on a kiosk, and a visit may pass
through every screen. Plain Python; the app drops the screens this names."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence


def screens_to_drop(
    shown: Sequence[str],
    needed: Iterable[str],
    keep_built: Callable[[str], bool],
    keep: int,
) -> list[str]:
    """Of the screens `shown` (oldest first), those neither `needed` (home, the one on
    screen, those Back leads to, those holding what a visitor is typing) nor among the
    `keep` most recent of the ones worth keeping built."""
    needed = set(needed)
    spare = [name for name in shown if name not in needed]
    worth = [name for name in spare if keep_built(name)]
    kept = set(worth[max(0, len(worth) - keep) :])
    return [name for name in spare if name not in kept]
