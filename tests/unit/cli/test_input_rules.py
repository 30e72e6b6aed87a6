"""Input rules shared by the server, the SDK and the command line; error classification."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from qstation.cli._errors import DATABASE, database_error, safe_url
from qstation.client import InvalidRequestError, IQMClient
from qstation.schemas.qstation_v1 import UserCreate

GOOD = ["ci-robot", "ci_robot", "first-last@example.org", "a.b+tag@example.org", "x", "A1=b"]
BAD = ["-robot", "_robot", "with space", "tilde~", "ques?", "gt>", "ä", "x" * 65, ""]


@pytest.mark.parametrize("name", GOOD)
def test_user_names_people_use_are_allowed(name: str) -> None:
    assert UserCreate(username=name, password="long-enough").username == name


@pytest.mark.parametrize("name", BAD)
def test_other_user_names_are_refused_by_server_and_sdk_alike(name: str) -> None:
    with pytest.raises(ValidationError):
        UserCreate(username=name, password="long-enough")
    client = IQMClient("http://127.0.0.1:1", quantum_computer="lattice-20")
    with pytest.raises(InvalidRequestError, match="letters, digits and"):
        client.server.create_user(name, "long-enough")  # refused before anything is sent


def test_allowed_names_never_put_dash_or_underscore_in_a_jwt_payload() -> None:
    """The reason the rule excludes ``>``, ``?`` and ``~``: base64 of the claims."""
    import base64
    import json

    for name in GOOD:
        for pad in range(3):  # every alignment of the name within base64's 3-byte groups
            claims = json.dumps({"p": "x" * pad, "sub": name}).encode()
            assert not set(base64.urlsafe_b64encode(claims).decode()) & {"-", "_"}


def test_database_urls_are_printed_without_passwords() -> None:
    assert (
        safe_url("postgresql://qstation:secret@db:5432/q") == "postgresql://qstation:***@db:5432/q"
    )


def test_database_errors_name_the_fix() -> None:
    from sqlalchemy.exc import OperationalError

    from qstation.store.db import DatabaseNotMigratedError

    url = "postgresql://bob:pw@127.0.0.1:5432/q"
    role = OperationalError("connect", {}, Exception('FATAL:  role "bob" does not exist'))
    err = database_error(role, url)
    assert err is not None and err.exit_code == DATABASE and "createuser bob" in (err.fix or "")
    password = OperationalError("c", {}, Exception('password authentication failed for "bob"'))
    assert "password" in (database_error(password, url) or err).format_message()
    old = database_error(DatabaseNotMigratedError("the database is at schema none; run"), url)
    assert old is not None and "qstation db upgrade" in (old.fix or "") and "pw" not in old.fix
    assert database_error(ValueError("x"), url) is None


def test_every_sdk_error_gets_a_fix_and_a_class_exit_code() -> None:
    import qstation.client as sdk
    from qstation.cli._errors import sdk_error

    def subclasses(cls: type) -> list[type]:
        return [cls, *(s for c in cls.__subclasses__() for s in subclasses(c))]

    for cls in subclasses(sdk.QStationError):
        if issubclass(cls, sdk.APIError):
            err = cls("it went wrong", status_code=400)
        elif cls is sdk.JobFailedError:
            continue  # built from the server's error bodies; covered end to end
        elif issubclass(cls, sdk.JobError):
            err = cls("it went wrong", job_id="j")
        else:
            err = cls("it went wrong")
        shown = sdk_error(err, "http://127.0.0.1:8000")
        assert shown.fix, cls
        assert shown.exit_code != 0, cls
        assert shown.format_message().count(" — ") == 1, cls
