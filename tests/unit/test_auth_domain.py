"""Users domain: email normalisation, password policy, first-user rule."""

from __future__ import annotations

import pytest

from tradecore.domain.users import Role, check_password_policy, normalise_email, role_for_new_user
from tradecore.errors import InvalidInputError


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Alice@Example.COM", "alice@example.com"),
        ("  bob@example.com\t", "bob@example.com"),
        ("\uff43\uff41\uff52\uff4f\uff4c@example.com", "carol@example.com"),  # full-width letters fold (NFKC)
        ("first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk"),
    ],
)
def test_normalise_email_gives_one_canonical_form(raw: str, expected: str) -> None:
    assert normalise_email(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "alice",
        "alice@",
        "@example.com",
        "alice@example",
        "a b@example.com",
        "alice@@example.com",
        "alice@-example.com",
        "x" * 65 + "@example.com",
        "a@" + "b" * 250 + ".com",
    ],
)
def test_normalise_email_refuses_what_is_not_an_address(raw: str) -> None:
    with pytest.raises(InvalidInputError, match="email"):
        normalise_email(raw)


@pytest.mark.parametrize("password", ["x" * 10, "x" * 128, "correct horse battery staple", "ünïcødé-pâss"])
def test_password_policy_accepts_10_to_128_characters_without_composition_rules(password: str) -> None:
    check_password_policy(password)


@pytest.mark.parametrize("password", ["", "x" * 9, "x" * 129])
def test_password_policy_refuses_other_lengths_without_echoing_the_password(password: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        check_password_policy(password)

    assert "10 to 128" in caught.value.message
    assert not password or password not in caught.value.message


def test_first_user_is_admin_and_later_users_are_viewers() -> None:
    assert role_for_new_user(first_user=True) is Role.ADMIN
    assert role_for_new_user(first_user=False) is Role.VIEWER
