"""Receivers drop a repeated `_unique_id`: a small bounded memory of the ids seen last."""

from collections import OrderedDict

DEFAULT_REMEMBERED = 64


class SeenIds:
    """The last `size` unique ids (oslo keeps 16 per listener; more is as compatible)."""

    def __init__(self, size: int = DEFAULT_REMEMBERED) -> None:
        self._size = size
        self._ids: OrderedDict[str, None] = OrderedDict()

    def repeated(self, unique_id: str | None) -> bool:
        """True when `unique_id` was seen already; otherwise remember it. None is never repeated."""
        if unique_id is None:
            return False
        if unique_id in self._ids:
            return True
        self._ids[unique_id] = None
        if len(self._ids) > self._size:
            self._ids.popitem(last=False)
        return False
