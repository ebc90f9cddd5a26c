"""The retention rule for dataset versions: how many superseded uploads keep their rows.

A method of ``Store`` (through ``RetentionMixin``). Every upload stays recorded (who, when,
file, checksum, row counts); the rows of the current version of each kind and of the newest
``keep`` others are kept, so ``set_current`` can go back to them, and older versions' canonical
and rejected rows are deleted, their status set to ``pruned``. Imports prune with
``SPENDANALYS_KEEP_VERSIONS`` (default 5, ``all`` keeps everything); ``spendanalys backup`` is
the way to keep more.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from spendanalys.errors import ConfigurationError, StorageError
from spendanalys.schema import KINDS, Kind
from spendanalys.store.small_tables import write_audit
from spendanalys.store.tables import dataset_versions, rejected_rows, row_tables

DELETE_CHUNK = 500  # version ids per DELETE ... IN (...)
PRUNED = "pruned"  # status of a version whose rows the retention rule deleted
HOLDING_ROWS = ("imported", "empty")  # statuses of versions with rows (failed ones have none)


class RetentionMixin:
    """``Store.prune_versions`` (needs ``_write``)."""

    def _write(self) -> Any:  # provided by Store
        raise NotImplementedError

    def prune_versions(
        self, keep: int, *, kinds: tuple[Kind, ...] = KINDS, user: str = "system"
    ) -> dict[str, list[int]]:
        """Apply the retention rule: per kind, every current version and the ``keep`` newest
        other versions holding rows (status imported or empty) stay whole; older ones lose
        their canonical and rejected rows and get status ``pruned`` (the version row stays,
        with who uploaded it, when and its checksum). Imports prune with
        ``SPENDANALYS_KEEP_VERSIONS`` (5; ``all`` keeps everything). A current version is never
        touched: the current flags are read under the write lock that does the deleting. One
        audit entry per kind pruned. Returns the pruned version ids by kind."""
        if keep < 0:
            raise ConfigurationError(f"cannot keep {keep} versions")
        pruned: dict[str, list[int]] = {}
        with self._write() as connection:
            rows = connection.execute(
                sa.select(dataset_versions.c.id, dataset_versions.c.kind)
                .where(
                    dataset_versions.c.kind.in_(kinds),
                    dataset_versions.c.status.in_(HOLDING_ROWS),
                    sa.not_(dataset_versions.c.is_current),
                )
                .order_by(dataset_versions.c.id.desc())
            ).all()
            for kind in kinds:
                older = [int(r.id) for r in rows if r.kind == kind][keep:]
                if not older:
                    continue
                for start in range(0, len(older), DELETE_CHUNK):
                    ids = older[start : start + DELETE_CHUNK]
                    for table in (row_tables[kind], rejected_rows):
                        connection.execute(
                            table.delete().where(table.c.dataset_version_id.in_(ids))
                        )
                    done = connection.execute(
                        dataset_versions.update()
                        .where(
                            dataset_versions.c.id.in_(ids),
                            sa.not_(dataset_versions.c.is_current),
                        )
                        .values(status=PRUNED)
                    ).rowcount
                    if done != len(ids):  # only possible if the current flags moved: refuse
                        raise StorageError(f"pruning {kind} versions {ids} met a current one")
                write_audit(connection, user, "prune", kind=kind, version_ids=older, keep=keep)
                pruned[kind] = older
        return pruned
