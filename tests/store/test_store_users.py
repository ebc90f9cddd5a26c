"""Users and roles: hashed passwords, refused wrong passwords, validated roles, the CLI."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from spendanalys import auth
from spendanalys.cli import main
from spendanalys.errors import AccessDenied, ConfigurationError
from spendanalys.store.database import Store
from spendanalys.store.tables import users

PASSWORD = "korrekt häst batteri"

pytest_plugins = ["pg_server", "store_fixtures"]  # fixtures: store, store_url, postgres_url


def test_password_is_stored_as_salted_scrypt_hash(store: Store) -> None:
    store.add_user("anna", PASSWORD, "procurement")
    store.add_user("bo", PASSWORD, "viewer")
    with store.engine.connect() as connection:
        hashes = dict(connection.execute(sa.select(users.c.name, users.c.password_hash)).all())
    assert PASSWORD not in " ".join(hashes.values())
    assert all(h.startswith("scrypt$16384$8$1$") for h in hashes.values())
    assert hashes["anna"] != hashes["bo"]  # per-user salt


def test_verify_accepts_only_the_right_password(store: Store) -> None:
    assert not store.has_users()
    store.add_user("anna", PASSWORD, "procurement")
    assert store.has_users()
    assert store.verify_user("anna", PASSWORD) == "procurement"
    assert store.verify_user("anna", PASSWORD.upper()) is None
    assert store.verify_user("anna", "") is None
    assert store.verify_user("nobody", PASSWORD) is None
    assert store.user_role("anna") == "procurement"
    store.set_password("anna", "ett annat lösenord")
    assert store.verify_user("anna", PASSWORD) is None
    assert store.verify_user("anna", "ett annat lösenord") == "procurement"


def test_roles_names_and_passwords_are_validated(store: Store) -> None:
    with pytest.raises(ConfigurationError, match="unknown role"):
        store.add_user("anna", PASSWORD, "leadership")
    with pytest.raises(ConfigurationError, match="at least 12"):
        store.add_user("anna", "kort", "viewer")
    for bad_name in ("", " anna", "an\x00na", "x" * 65):
        with pytest.raises(ConfigurationError):
            store.add_user(bad_name, PASSWORD, "viewer")
    store.add_user("anna", PASSWORD, "viewer")
    with pytest.raises(ConfigurationError, match="already exists"):
        store.add_user("anna", PASSWORD, "admin")
    assert store.list_users()[["name", "role"]].values.tolist() == [["anna", "viewer"]]
    store.remove_user("anna")
    with pytest.raises(ConfigurationError):
        store.remove_user("anna")
    assert not store.has_users()
    actions = store.audit()["action"].tolist()
    assert actions == ["user_remove", "user_add"]


def test_verify_rejects_tampered_hashes() -> None:
    stored = auth.hash_password(PASSWORD)
    assert auth.verify_password(PASSWORD, stored)
    assert not auth.verify_password(PASSWORD, stored.replace("scrypt", "md5"))
    assert not auth.verify_password(PASSWORD, "scrypt$garbage")
    assert not auth.verify_password(PASSWORD, stored[:-4] + "AAA=")


@pytest.mark.parametrize(
    ("role", "action", "allowed"),
    [
        ("viewer", "import:invoices", False),
        (None, "import:invoices", False),
        ("procurement", "import:invoices", True),
        ("procurement", "import:trips", False),
        ("environment", "import:trips", True),
        ("environment", "edit:goal_settings", True),
        ("environment", "edit:supplier_factors", False),
        ("admin", "manage:users", True),
        ("procurement", "manage:users", False),
    ],
)
def test_permissions(role: str | None, action: str, allowed: bool) -> None:
    assert auth.allowed(role, action) is allowed
    if allowed:
        auth.require(role, action)
    else:
        with pytest.raises(AccessDenied):
            auth.require(role, action)


def test_users_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert (
        main(
            ["users", "add", "eva", "--role", "environment", "--password-stdin", "--database", url]
        )
        == 0
    )
    assert main(["users", "list", "--database", url]) == 0
    assert "eva\tenvironment" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert (
        main(["users", "add", "bo", "--role", "viewer", "--password-stdin", "--database", url]) == 2
    )
    assert "at least 12" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # argparse refuses an unknown role
        main(["users", "add", "bo", "--role", "boss", "--database", url])
    assert main(["users", "remove", "eva", "--database", url]) == 0
    assert main(["users", "remove", "eva", "--database", url]) == 2
    with Store(url) as store:
        assert not store.has_users()
