"""Authenticator codes, recovery codes and the slow-down/lock rules (pure)."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone

import pyotp
import pytest

from advocacy.auth import lockout, totp

RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


@pytest.mark.parametrize("unix, code", [
    (59, "287082"), (1111111109, "081804"), (1111111111, "050471"), (1234567890, "005924"),
    (2000000000, "279037"), (20000000000, "353130"),
])
def test_codes_match_the_rfc_6238_vectors(unix, code):
    at = datetime.fromtimestamp(unix, timezone.utc)
    assert totp.code_at_step(RFC_SECRET, totp.step_at(at)) == code


def test_codes_match_an_independent_authenticator_and_are_taken_once():
    secret = totp.new_secret()
    now = datetime(2026, 3, 2, 10, 0, 7, tzinfo=timezone.utc)
    app = pyotp.TOTP(secret)
    step = totp.matching_step(secret, app.at(now), now, None)
    assert step == totp.step_at(now)
    assert totp.matching_step(secret, app.at(now), now, step) is None  # replayed
    assert totp.matching_step(secret, app.at(now + timedelta(seconds=30)), now, step) == step + 1  # phone a bit fast
    assert totp.matching_step(secret, app.at(now - timedelta(seconds=30)), now, None) == step - 1
    assert totp.matching_step(secret, app.at(now + timedelta(seconds=60)), now, None) is None  # too far
    assert totp.matching_step(secret, "12345", now, None) is None
    assert totp.matching_step(secret, "abcdef", now, None) is None


def test_the_provisioning_uri_is_what_authenticator_apps_read():
    secret = totp.new_secret()
    uri = totp.provisioning_uri(secret, "ada.advocate", "Advocacy service")
    parsed = pyotp.parse_uri(uri)
    assert parsed.secret == secret and parsed.name == "ada.advocate" and parsed.issuer == "Advocacy service"


def test_the_qr_code_is_an_svg_image_with_nothing_that_runs():
    image = totp.qr_data_uri(totp.provisioning_uri(totp.new_secret(), "ada", "Advocacy service"))
    assert image.startswith("data:image/svg+xml")
    assert "script" not in image.lower() and "onload" not in image.lower()


def test_recovery_codes_are_distinct_and_typed_loosely():
    codes = totp.new_recovery_codes()
    assert len(set(codes)) == totp.RECOVERY_CODES
    code = codes[0]
    assert totp.looks_like_recovery_code(code.upper().replace("-", " "))
    assert totp.recovery_code_hash(code.upper()) == totp.recovery_code_hash(code)
    assert not totp.looks_like_recovery_code("123456")


POLICY = lockout.Policy(slow_after=3, max_failures=10, lockout=timedelta(minutes=30))
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)


def test_failures_slow_down_doubling_then_lock():
    waits = [lockout.wait_after(n, POLICY).total_seconds() for n in range(1, 10)]
    assert waits == [0, 0, 1, 2, 4, 8, 16, 32, 60]
    assert lockout.block_after(2, NOW, POLICY) == lockout.Block(2, None, False)
    assert lockout.block_after(4, NOW, POLICY) == lockout.Block(4, NOW + timedelta(seconds=2), False)
    assert lockout.block_after(10, NOW, POLICY) == lockout.Block(0, NOW + timedelta(minutes=30), True)


def test_refusals_say_how_long_to_wait():
    assert lockout.refusal(None, NOW) is None
    assert lockout.refusal({"blocked_until": NOW, "locked": False}, NOW) is None
    assert lockout.refusal({"blocked_until": NOW + timedelta(seconds=3.2), "locked": False}, NOW) == (
        "sign_in_throttled", {"seconds": 4})
    assert lockout.refusal({"blocked_until": NOW + timedelta(minutes=29, seconds=1), "locked": True}, NOW) == (
        "too_many_tries", {"minutes": 30})


def test_a_policy_without_a_most_only_ever_slows_down():
    policy = lockout.Policy(slow_after=3, max_failures=None, lockout=timedelta(minutes=15),
                            max_wait=timedelta(minutes=15))
    assert lockout.block_after(1000, NOW, policy) == lockout.Block(1000, NOW + timedelta(minutes=15), False)
