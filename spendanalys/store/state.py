"""What the analyses depend on, as one value: the store's current selection of dataset versions
per kind (the id of its newest ``dataset_selections`` row, ``store.selections``) and the newest
row of each settings table. Cached results are filed under its text form (``token``),
so any write that changes an analysis's inputs makes its old cache entries stale."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from spendanalys.schema import KINDS, Kind

# Settings tables by their one-letter code in the token: category overrides, supplier factors,
# goal settings.
SETTINGS_CODES: tuple[str, ...] = ("o", "f", "g")
# What each analysis depends on: its dataset kinds and settings.
STATE_SCOPES: dict[str, tuple[tuple[Kind, ...], tuple[str, ...]]] = {
    "spend": (("contracts", "invoices"), ("o", "f")),
    "travel": (("trips", "fte"), ("g",)),
}


@dataclass(frozen=True)
class StoreState:
    """Current selection id per kind (absent: never uploaded) and the newest row id per
    settings table; ``scope`` ("spend", "travel") keeps only what that analysis depends on.

    The token reads ``"contracts=1,invoices=2;o=0;f=0;g=0"`` (kinds sorted by name)."""

    versions: Mapping[Kind, int] = field(default_factory=dict)
    settings: Mapping[str, int] = field(default_factory=dict)

    def version_id(self, kind: Kind) -> int | None:
        """The current selection id of ``kind`` (names its data; not a version id since a
        kind kept per year can have several current versions); None when never uploaded."""
        return self.versions.get(kind)

    def version_ids(self) -> dict[Kind, int | None]:
        """Every kind with its current selection id (None when never uploaded)."""
        return {kind: self.versions.get(kind) for kind in KINDS}

    def scoped(self, scope: str | None) -> StoreState:
        """Only what an analysis of ``scope`` depends on (None keeps everything): cached
        results keyed by it survive changes they do not depend on (a trips upload leaves the
        spend analysis cached, and the other way round)."""
        if scope is None:
            return self
        kinds, settings = STATE_SCOPES[scope]
        return StoreState(
            {k: v for k, v in self.versions.items() if k in kinds},
            {k: v for k, v in self.settings.items() if k in settings},
        )

    @property
    def token(self) -> str:
        versions = ",".join(f"{kind}={vid}" for kind, vid in sorted(self.versions.items()))
        settings = [f"{code}={self.settings[code]}" for code in SETTINGS_CODES if code in self]
        return ";".join([versions, *settings])

    def __contains__(self, code: object) -> bool:
        return code in self.settings

    @classmethod
    def parse(cls, token: str) -> StoreState:
        """The state a ``token`` was made from; parts it does not know are ignored."""
        head, *rest = token.split(";")
        versions: dict[Kind, int] = {}
        for part in head.split(","):
            kind, _, number = part.partition("=")
            if kind in KINDS and number.isdigit():
                versions[kind] = int(number)  # type: ignore[index]  # kind is one of KINDS
        settings: dict[str, int] = {}
        for part in rest:
            code, _, number = part.partition("=")
            if code in SETTINGS_CODES and number.isdigit():
                settings[code] = int(number)
        return cls(versions, settings)
