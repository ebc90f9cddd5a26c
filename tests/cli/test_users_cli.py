"""``spendanalys users``: weak passwords are refused with a message that says why, nothing is
written; ``role`` changes a role; ``passwd`` and ``role`` end the user's sessions."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from spendanalys.cli import main
from spendanalys.store.database import Store

PASSWORD = "korrekt häst batteri"


@pytest.fixture(name="url")
def url_fixture(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'users.sqlite'}"


def _run(monkeypatch: pytest.MonkeyPatch, stdin: str, *args: str) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin + "\n"))
    return main(["users", *args])


@pytest.mark.parametrize(
    ("password", "said"),
    [
        ("password", "at least 12 characters"),
        ("12345678", "at least 12 characters"),
        (" " * 8, "at least 12 characters"),
        (" " * 14, "only spaces"),
        ("Lösenord2024!", "most common passwords"),
        ("Sommar2024!!!", "most common passwords"),
    ],
)
def test_users_add_refuses_weak_passwords(
    url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    password: str,
    said: str,
) -> None:
    code = _run(
        monkeypatch,
        password,
        "add",
        "eva",
        "--role",
        "viewer",
        "--password-stdin",
        "--database",
        url,
    )
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("spendanalys users: ") and said in err
    with Store(url) as store:
        assert not store.has_users()


def test_passwd_refuses_a_weak_password_and_keeps_the_old_one(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        _run(
            monkeypatch,
            PASSWORD,
            "add",
            "eva",
            "--role",
            "viewer",
            "--password-stdin",
            "--database",
            url,
        )
        == 0
    )
    assert (
        _run(monkeypatch, "qwerty123456", "passwd", "eva", "--password-stdin", "--database", url)
        == 2
    )
    assert "most common passwords" in capsys.readouterr().err
    with Store(url) as store:
        assert store.verify_user("eva", PASSWORD) == "viewer"


def test_role_and_passwd_end_the_users_sessions(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        _run(
            monkeypatch,
            PASSWORD,
            "add",
            "eva",
            "--role",
            "viewer",
            "--password-stdin",
            "--database",
            url,
        )
        == 0
    )
    with Store(url) as store:
        first = store.session_account("eva")
    assert first is not None
    assert main(["users", "role", "eva", "--role", "environment", "--database", url]) == 0
    assert "rollen för 'eva' är ändrad till environment" in capsys.readouterr().out
    with Store(url) as store:
        second = store.session_account("eva")
        assert second is not None and second.role == "environment"
        assert second.generation != first.generation
        assert store.audit()["action"].iloc[0] == "user_role"
    assert (
        _run(
            monkeypatch,
            "ett helt nytt lösenord",
            "passwd",
            "eva",
            "--password-stdin",
            "--database",
            url,
        )
        == 0
    )
    with Store(url) as store:
        third = store.session_account("eva")
        assert third is not None and third.generation not in (first.generation, second.generation)
    assert main(["users", "role", "nobody", "--role", "viewer", "--database", url]) == 2
    assert "no user 'nobody'" in capsys.readouterr().err
