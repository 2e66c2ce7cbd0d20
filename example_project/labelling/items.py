"""The images to label: read from a CSV, and laid out into pages (one page per HIT).

The CSV has a header ``item_id,image_url,gold_label``. ``gold_label`` is empty for the images we
want labelled and set for the control ("gold") images whose answer we already know: every page
gets one gold image among its unknown ones, so each assignment can be checked.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from itertools import cycle
from pathlib import Path

#: The labels a worker can choose from.
LABELS = ("cat", "dog", "bird", "other")


@dataclass(frozen=True)
class Item:
    item_id: str
    image_url: str
    gold_label: str | None = None

    @property
    def is_gold(self) -> bool:
        return self.gold_label is not None


class ItemsError(ValueError):
    """The CSV is not a valid list of items."""


def read_items(path: str | Path) -> list[Item]:
    with open(path, newline="", encoding="utf-8") as f:
        return parse_items(f)


def sample_items() -> list[Item]:
    """The 12 items shipped with the package (9 to label, 3 gold)."""
    text = resources.files("labelling.data").joinpath("items.csv").read_text(encoding="utf-8")
    return parse_items(text.splitlines())


def sample_items_path() -> Path:
    return Path(str(resources.files("labelling.data").joinpath("items.csv")))


def parse_items(lines: Iterable[str]) -> list[Item]:
    reader = csv.DictReader(lines)
    missing = {"item_id", "image_url", "gold_label"} - set(reader.fieldnames or ())
    if missing:
        raise ItemsError(f"the CSV lacks the column(s) {', '.join(sorted(missing))}")
    items: list[Item] = []
    seen: set[str] = set()
    for line, row in enumerate(reader, start=2):
        item_id = (row["item_id"] or "").strip()
        gold = (row["gold_label"] or "").strip() or None
        if not item_id or item_id in seen:
            raise ItemsError(f"line {line}: missing or repeated item_id {item_id!r}")
        if gold is not None and gold not in LABELS:
            raise ItemsError(f"line {line}: gold_label {gold!r} is not one of {LABELS}")
        seen.add(item_id)
        items.append(Item(item_id, row["image_url"].strip(), gold))
    return items


def pages(items: Sequence[Item], per_page: int) -> list[list[Item]]:
    """Pages of ``per_page`` images: ``per_page - 1`` images to label and one gold image.

    Gold images are reused round-robin when there are fewer gold images than pages.
    """
    if per_page < 2:
        raise ValueError("a page needs at least one image to label and one gold image")
    gold = [item for item in items if item.is_gold]
    unknown = [item for item in items if not item.is_gold]
    if not gold:
        raise ItemsError("at least one item needs a gold_label, to check the workers")
    controls = cycle(gold)
    out = []
    step = per_page - 1
    for start in range(0, len(unknown), step):
        page = unknown[start : start + step]
        # The gold image goes in a position that depends on the page, so it is not always last.
        page.insert(start // step % (len(page) + 1), next(controls))
        out.append(page)
    return out


def gold_labels(items: Iterable[Item]) -> dict[str, str]:
    return {item.item_id: item.gold_label for item in items if item.gold_label is not None}
