"""The pure rules of Web Push: which push services are called, what a subscription must hold, who is told."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from advocacy.errors import ServiceError
from advocacy.push.rules import (
    check_endpoint,
    check_subscription,
    endpoint_trusted,
    told_before,
    trusted_services,
    wakes_child,
)

SERVICES = trusted_services("https://fcm.googleapis.com, https://*.notify.windows.com, HTTP://127.0.0.1:*")
P256DH = base64.urlsafe_b64encode(b"\x04" + bytes(64)).rstrip(b"=").decode()
AUTH = base64.urlsafe_b64encode(bytes(16)).rstrip(b"=").decode()


@pytest.mark.parametrize(("endpoint", "trusted"), [
    ("https://fcm.googleapis.com/fcm/send/abc", True),
    ("https://wns2-par02p.notify.windows.com/w/?token=x", True),
    ("http://127.0.0.1:8123/push/1", True),
    ("http://fcm.googleapis.com/fcm/send/abc", False),  # not https
    ("https://fcm.googleapis.com:8443/fcm/send/abc", False),  # another port
    ("https://fcm.googleapis.com.evil.example/x", False),
    ("https://evil.example/https://fcm.googleapis.com", False),
    ("https://user@fcm.googleapis.com/x", False),  # a userinfo part could hide the real host
    ("https://notify.windows.com.evil.example/x", False),
    ("http://127.0.0.2:8123/push/1", False),
    ("ftp://fcm.googleapis.com/x", False),
    ("not a url", False),
])
def test_only_the_push_services_named_are_trusted(endpoint, trusted):
    assert endpoint_trusted(endpoint, SERVICES) is trusted


def test_a_good_subscription_is_taken_and_a_bad_one_refused():
    good = {"endpoint": "https://fcm.googleapis.com/fcm/send/abc", "keys": {"p256dh": P256DH, "auth": AUTH}}
    taken = check_subscription(good, SERVICES)
    assert taken.as_info() == good
    for bad in [None, [], {"endpoint": good["endpoint"]}, {**good, "endpoint": "https://evil.example/x"},
                {**good, "endpoint": "https://fcm.googleapis.com/" + "x" * 2000},
                {**good, "keys": {"p256dh": AUTH, "auth": AUTH}},  # not a P-256 point
                {**good, "keys": {"p256dh": P256DH, "auth": P256DH}},  # not 16 bytes
                {**good, "keys": {"p256dh": "%%%", "auth": AUTH}},
                {**good, "keys": {"p256dh": 5, "auth": AUTH}}]:
        with pytest.raises(ServiceError) as refused:
            check_subscription(bad, SERVICES)
        assert refused.value.code == "push_subscription_invalid"
    assert check_endpoint({"endpoint": "anything"}) == "anything"
    with pytest.raises(ServiceError):
        check_endpoint({"endpoint": ""})


def test_a_child_is_told_of_everyone_s_messages_but_their_own():
    assert [role for role in ("child", "advocate", "cover_advocate", "bot", "service") if wakes_child(role)] == [
        "advocate", "cover_advocate", "bot", "service"]


def test_a_phone_told_within_the_quiet_time_is_not_told_again():
    now = datetime(2026, 12, 6, 12, tzinfo=UTC)
    assert told_before(now, 300) == now - timedelta(minutes=5)
