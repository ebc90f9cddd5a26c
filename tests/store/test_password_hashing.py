"""Password hashing and the password policy: scrypt at N=2**17 by default, old 2**14 hashes
still verify and are replaced at the next login, tampered costs are refused, weak passwords
are refused with the reason.

The other tests run at 2**14 (tests/conftest.py sets SPENDANALYS_PASSWORD_HASH_COST); here it
is removed, so these check what a deployment gets.
"""

from __future__ import annotations

import unicodedata
from importlib.resources import files
from pathlib import Path

import pytest
import sqlalchemy as sa

from spendanalys import auth
from spendanalys.errors import ConfigurationError
from spendanalys.settings import settings
from spendanalys.store.database import Store
from spendanalys.store.tables import users

PASSWORD = "korrekt häst batteri"
BRAKE = auth.LoginBrake(per_account=5, per_client=30, window_s=900)


def _stored_hash(store: Store, name: str) -> str:
    with store.engine.connect() as connection:
        return str(
            connection.execute(
                sa.select(users.c.password_hash).where(users.c.name == name)
            ).scalar_one()
        )


def test_the_default_cost_is_two_to_the_seventeenth(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPENDANALYS_PASSWORD_HASH_COST", raising=False)
    assert settings().password_hash_cost == 17 and auth.scrypt_n() == 2**17
    stored = auth.hash_password(PASSWORD)
    assert stored.startswith("scrypt$131072$8$1$")
    assert auth.verify_password(PASSWORD, stored) and not auth.needs_rehash(stored)


def test_an_old_hash_is_upgraded_at_the_next_login(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite only: the SQL is the same on both backends and each check takes 0.3 s."""
    monkeypatch.setenv("SPENDANALYS_PASSWORD_HASH_COST", "14")  # as the first releases stored it
    with Store(f"sqlite:///{tmp_path / 'old.sqlite'}") as store:
        store.add_user("anna", PASSWORD, "viewer")
        old = _stored_hash(store, "anna")
        assert old.startswith("scrypt$16384$8$1$")
        monkeypatch.delenv("SPENDANALYS_PASSWORD_HASH_COST")  # the new default: 2**17
        assert store.log_in("anna", "fel lösenord", "192.0.2.1", BRAKE) is None
        assert _stored_hash(store, "anna") == old  # a wrong password changes nothing
        assert store.log_in("anna", PASSWORD, "192.0.2.1", BRAKE) is not None
        new = _stored_hash(store, "anna")
        assert new.startswith("scrypt$131072$8$1$") and auth.verify_password(PASSWORD, new)
        assert store.log_in("anna", PASSWORD, "192.0.2.1", BRAKE) is not None
        assert _stored_hash(store, "anna") == new  # upgraded once
        logins = store.audit()
        rehashed = logins[logins["action"] == "login"]["detail"].map(lambda d: d["rehashed"])
        assert rehashed.tolist() == [False, True]  # newest first


def test_a_tampered_cost_is_refused_without_computing_it() -> None:
    stored = auth.hash_password(PASSWORD, 2**14)
    _scheme, _n, r, p, salt, digest = stored.split("$")
    for n in (2**30, 1, 0, -5):  # 2**30 would ask for 128 GiB
        assert not auth.verify_password(PASSWORD, f"scrypt${n}${r}${p}${salt}${digest}")
        assert auth.needs_rehash(f"scrypt${n}${r}${p}${salt}${digest}")


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("password", "at least 12"),
        ("12345678", "at least 12"),
        (" " * 8, "at least 12"),
        (" " * 12, "only spaces"),
        ("\t \u00a0" * 4, "only spaces"),
        ("qwerty123", "at least 12"),
        ("sommar2024", "at least 12"),
        ("lösenord", "at least 12"),
        ("aaaaaaaaaaaaaaaa", "different characters"),
        ("abababababab", "different characters"),
        ("lösenord\x00lösenord", "control characters"),
        ("Lösenord2024!", "common passwords"),
        ("Sommar2024!!", "common passwords"),
        ("Password12345", "common passwords"),
        ("123456789012", "common passwords"),
        ("QWERTYUIOP123", "common passwords"),
        ("  välkommen123  ", "common passwords"),
        (unicodedata.normalize("NFD", "lösenord2024!"), "common passwords"),  # ö as o + ¨
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password: str, reason: str) -> None:
    with pytest.raises(ConfigurationError, match=reason):
        auth.check_password_policy(password)


@pytest.mark.parametrize(
    "password", ["korrekt häst batteri", "ett-långt-lösenord", "Kaffe utan mjölk 7", "8s#Lq2!vZp0w"]
)
def test_good_passwords_pass(password: str) -> None:
    auth.check_password_policy(password)


def test_the_common_password_list_names_its_source_and_holds_the_usual_suspects() -> None:
    text = (files("spendanalys") / auth.COMMON_PASSWORDS_FILE).read_text(encoding="utf-8")
    header = [line for line in text.splitlines() if line.startswith("#")]
    assert any(line.startswith("# Source:") for line in header)
    common = auth.common_passwords()
    assert {"password", "12345678", "qwerty123", "sommar2024", "lösenord"} <= common
    assert len(common) > 300
