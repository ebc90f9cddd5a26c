"""The store's users: hashed passwords, roles, session generations and the login brake.

These are methods of ``Store`` (through ``UsersMixin``). Every change to a user is written to
the audit log in the same transaction, and so is every login, failed login and refused login.

A user's *session generation* is the number a session must carry to be valid
(``session_account``): logout (``end_sessions``), a new password and a new role bump it,
which ends every session of that user at once; removing the user ends them too.

The login brake (``log_in``) counts attempts that have not succeeded, per user name and per
client address, in the ``login_failures`` table, so every web worker and host on the database
shares one count. Check and count are one transaction that takes a lock first (``BEGIN
IMMEDIATE`` on SQLite; on PostgreSQL a transaction-scoped advisory lock per name and per
address, so an import holding the store's writer lock does not hold up logins): the attempt is
recorded *before* the slow password check and removed when the password was right, so
parallel guesses can never get more checks than the brake allows.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from spendanalys import auth
from spendanalys.errors import AccessDenied, ConfigurationError
from spendanalys.store.engine import write_transaction
from spendanalys.store.small_tables import check_user_name, utc_now, utc_series, write_audit
from spendanalys.store.tables import login_failures, users

# Names longer than this cannot be users; attempts with them are counted under this prefix.
ACCOUNT_KEY_LENGTH = 100
# Arbitrary first key of the brake's PostgreSQL advisory locks ("LOGN"); the second is a hash.
PG_BRAKE_LOCK_CLASS = 0x4C4F_474E


@dataclass(frozen=True)
class Account:
    """A user as a session needs it: name, role and current session generation."""

    name: str
    role: str
    generation: int


def _new_generation() -> int:
    return secrets.randbelow(2**62)


def _lock_key(key: str) -> int:
    """A signed 32-bit number for ``key`` (PostgreSQL's two-key advisory locks take int4)."""
    return int.from_bytes(hashlib.sha1(key.encode("utf-8")).digest()[:4], "big", signed=True)


class UsersMixin:
    """Methods of ``Store`` for users and logins (needs ``engine``, ``_read`` and ``_write``)."""

    engine: Engine

    def _read(self) -> Any:  # provided by Store
        raise NotImplementedError

    def _write(self) -> Any:  # provided by Store
        raise NotImplementedError

    @contextmanager
    def _brake(self, *keys: str) -> Iterator[Connection]:
        """A transaction holding the login brake's lock for ``keys`` (see the module docstring)."""
        if self.engine.dialect.name != "postgresql":
            with write_transaction(self.engine) as connection:
                yield connection
            return
        with self.engine.connect() as connection, connection.begin():
            for key in sorted({_lock_key(k) for k in keys}):  # one order: no deadlock
                connection.execute(
                    sa.select(sa.func.pg_advisory_xact_lock(PG_BRAKE_LOCK_CLASS, key))
                )
            yield connection

    # ---- users ------------------------------------------------------------------------------

    def add_user(self, name: str, password: str, role: str, *, by: str = "cli") -> None:
        """Create a user with an scrypt-hashed password; a taken name, an unknown role or a
        password the policy refuses (``auth.check_password_policy``) raise ConfigurationError."""
        check_user_name(name)
        auth.check_role(role)
        auth.check_password_policy(password)
        hashed = auth.hash_password(password)  # slow on purpose: outside the write lock
        values = dict(name=name, password_hash=hashed, role=role, created_at=utc_now())
        try:
            with self._write() as connection:
                connection.execute(
                    users.insert().values(**values, session_generation=_new_generation())
                )
                write_audit(connection, by, "user_add", name=name, role=role)
        except sa.exc.IntegrityError as exc:
            raise ConfigurationError(f"user {name!r} already exists") from exc

    def _change_user(self, name: str, action: str, by: str, **values: Any) -> None:
        """Update ``name``'s row with ``values`` and bump its session generation."""
        with self._write() as connection:
            changed = connection.execute(
                users.update()
                .where(users.c.name == name)
                .values(**values, session_generation=users.c.session_generation + 1)
            ).rowcount
            if not changed:
                raise ConfigurationError(f"there is no user {name!r}")
            detail = {k: v for k, v in values.items() if k != "password_hash"}
            write_audit(connection, by, action, name=name, **detail)

    def set_password(self, name: str, password: str, *, by: str = "cli") -> None:
        """Replace a user's password (the policy applies) and end the user's sessions."""
        auth.check_password_policy(password)
        hashed = auth.hash_password(password)
        self._change_user(name, "user_password", by, password_hash=hashed)

    def set_role(self, name: str, role: str, *, by: str = "cli") -> None:
        """Give a user another role and end the user's sessions."""
        auth.check_role(role)
        self._change_user(name, "user_role", by, role=role)

    def end_sessions(self, name: str, *, by: str | None = None) -> None:
        """End every session of ``name`` (logout: the next request of each is anonymous)."""
        self._change_user(name, "logout", by or name)

    def verify_user(self, name: str, password: str) -> str | None:
        """The user's role when ``password`` is right, else None (same time for unknown names).

        Only checks: no brake, no audit, no session. The dashboard logs in with ``log_in``."""
        with self._read() as connection:
            row = connection.execute(
                sa.select(users.c.password_hash, users.c.role).where(users.c.name == name)
            ).first()
        if row is None:
            auth.verify_unknown_user(password)
            return None
        return row.role if auth.verify_password(password, row.password_hash) else None

    def user_role(self, name: str) -> str | None:
        """A user's role (None when there is no such user); for sessions, not for login."""
        with self._read() as connection:
            return connection.execute(
                sa.select(users.c.role).where(users.c.name == name)
            ).scalar_one_or_none()

    def session_account(self, name: str) -> Account | None:
        """``name``'s role and session generation, read now (None when there is no such user)."""
        query = sa.select(users.c.role, users.c.session_generation).where(users.c.name == name)
        with self._read() as connection:
            row = connection.execute(query).first()
        return None if row is None else Account(name, row.role, int(row.session_generation))

    def list_users(self) -> pd.DataFrame:
        """name, role, created_at of every user (never the hashes)."""
        query = sa.select(users.c.name, users.c.role, users.c.created_at).order_by(users.c.name)
        with self._read() as connection:
            rows = connection.execute(query).all()
        frame = pd.DataFrame([tuple(r) for r in rows], columns=["name", "role", "created_at"])
        frame["created_at"] = utc_series(frame["created_at"])
        return frame.astype({"name": "string", "role": "string"})

    def remove_user(self, name: str, *, by: str = "cli") -> None:
        """Delete a user (and so end the user's sessions); an unknown name raises
        ConfigurationError."""
        with self._write() as connection:
            removed = connection.execute(users.delete().where(users.c.name == name)).rowcount
            if not removed:
                raise ConfigurationError(f"there is no user {name!r}")
            write_audit(connection, by, "user_remove", name=name)

    def has_users(self) -> bool:
        """True when at least one user exists (the app leaves single-user demo mode)."""
        with self._read() as connection:
            return connection.execute(sa.select(users.c.id).limit(1)).first() is not None

    # ---- logging in -------------------------------------------------------------------------

    def log_in(
        self,
        name: str,
        password: str,
        client: str,
        brake: auth.LoginBrake,
        *,
        now: datetime | None = None,
    ) -> Account | None:
        """The account when ``password`` is right for ``name``, else None; AccessDenied when
        the brake refuses the attempt (``brake.per_account`` attempts for ``name``, or
        ``brake.per_client`` from ``client``, have not succeeded within ``brake.window_s``).

        The attempt counts before the password is checked and stops counting when it was right
        (then also the earlier failures of ``name`` from ``client`` are forgiven). A hash made
        with a lower cost than today's is replaced. ``now`` (UTC) is for tests.
        """
        now = utc_now() if now is None else now
        account = name[:ACCOUNT_KEY_LENGTH]
        since = now - timedelta(seconds=brake.window_s)
        with self._brake(f"account:{account}", f"client:{client}") as connection:
            connection.execute(login_failures.delete().where(login_failures.c.at < since))
            counts = {
                scope: connection.execute(
                    sa.select(sa.func.count()).where(
                        login_failures.c[scope] == key, login_failures.c.at >= since
                    )
                ).scalar_one()
                for scope, key in (("account", account), ("client", client))
            }
            limits = {"account": brake.per_account, "client": brake.per_client}
            full = [scope for scope in counts if counts[scope] >= limits[scope]]
            if full:
                write_audit(connection, account, "login_refused", client=client, limit=full)
            else:
                attempt = connection.execute(
                    login_failures.insert()
                    .values(at=now, account=account, client=client)
                    .returning(login_failures.c.id)
                ).scalar_one()
                row = connection.execute(
                    sa.select(users.c.password_hash).where(users.c.name == name)
                ).first()
        if full:
            raise AccessDenied(f"too many failed logins for {account!r} or from {client}")
        if row is None:
            auth.verify_unknown_user(password)
        elif auth.verify_password(password, row.password_hash):
            stored = row.password_hash
            new_hash = auth.hash_password(password) if auth.needs_rehash(stored) else None
            found = self._logged_in(name, client, attempt, stored, new_hash)
            if found is not None:
                return found
        # The attempt that fills a window starts a lockout: say so once, beside the failure.
        filling = [s for s in counts if counts[s] + 1 == limits[s]]
        with self._brake(f"account:{account}", f"client:{client}") as connection:
            write_audit(connection, account, "login_failed", client=client)
            if filling:
                until = now + timedelta(seconds=brake.window_s)
                write_audit(
                    connection,
                    account,
                    "login_lockout",
                    client=client,
                    limit=filling,
                    until=until.isoformat(),
                )
        return None

    def _logged_in(
        self, name: str, client: str, attempt: int, verified: str, new_hash: str | None
    ) -> Account | None:
        """Record a right password: forgive the failures, upgrade the hash, audit the login.
        None when the user was changed or removed while the password was being checked."""
        account = name[:ACCOUNT_KEY_LENGTH]
        with self._brake(f"account:{account}", f"client:{client}") as connection:
            row = connection.execute(
                sa.select(users.c.password_hash, users.c.role, users.c.session_generation).where(
                    users.c.name == name
                )
            ).first()
            if row is None or row.password_hash != verified:
                return None  # the attempt keeps counting as a failure
            connection.execute(
                login_failures.delete().where(
                    (login_failures.c.id == attempt)
                    | ((login_failures.c.account == account) & (login_failures.c.client == client))
                )
            )
            if new_hash is not None:
                connection.execute(
                    users.update()
                    .where(users.c.name == name, users.c.password_hash == verified)
                    .values(password_hash=new_hash)
                )
            write_audit(connection, name, "login", client=client, rehashed=new_hash is not None)
        return Account(name, row.role, int(row.session_generation))
