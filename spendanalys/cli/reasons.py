"""Top reasons for rejected rows, shown before the figures (``spend`` and ``travel``).

The notes come from :mod:`spendanalys.io.rejections`; here they are put where the user looks:
on stderr, and at the top of the table output. A table printed to the terminal carries them
itself, so they are not printed twice there.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from spendanalys.i18n import DEFAULT_LANGUAGE, t
from spendanalys.i18n.notes import worded
from spendanalys.io.rejections import mostly_rejected_notes


def spend_reason_notes(analysis: Any, contract_sources: Sequence[object]) -> list[str]:
    """Notes for the spend inputs of which most rows were rejected. Accepted rows per file:
    the invoice lines' ``source_file``; a single contracts file counts its agreements."""
    accepted: dict[str, int] = {}
    lines = analysis.lines
    if "source_file" in lines:
        accepted = {str(k): int(v) for k, v in lines["source_file"].value_counts().items()}
    if len(contract_sources) == 1:
        accepted.setdefault(str(contract_sources[0]), len(analysis.agreements))
    return mostly_rejected_notes(analysis.rejected, accepted)


def announce(
    reasons: Sequence[str], output_format: str, out: str | None, lang: str = DEFAULT_LANGUAGE
) -> None:
    """The reason notes on stderr, unless the table goes to the terminal (it shows them)."""
    if output_format == "table" and not out:
        return
    for reason in reasons:
        print(t("cli.warning_stderr", lang, note=worded(reason, lang)), file=sys.stderr)


def print_reasons(reasons: Sequence[str], lang: str = DEFAULT_LANGUAGE) -> None:
    """The reason notes at the top of a table output."""
    for reason in reasons:
        print(t("cli.warning", lang, note=worded(reason, lang)))
    if reasons:
        print()
