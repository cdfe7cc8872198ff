"""The channels hear of an erasure only after the store erased, and every one of them does."""

from __future__ import annotations

import logging

import pytest

from bot.erasures import AnnouncingDataRights, ErasureListener, Erasures
from handlers.core.events import UserId
from handlers.newcomers.data_rights import UserData

ANA = UserId("matrix:@ana:example.org")


class Recorder:
    def __init__(self, fail: bool = False) -> None:
        self.heard: list[UserId] = []
        self.fail = fail

    async def user_erased(self, user: UserId) -> None:
        self.heard.append(user)
        if self.fail:
            raise OSError(f"disk full while writing {user}")


class Store:
    def __init__(self, fail: bool = False) -> None:
        self.forgotten: list[UserId] = []
        self.fail = fail

    async def data_of(self, user: UserId) -> UserData:
        return UserData(None)

    async def forget(self, user: UserId) -> None:
        if self.fail:
            raise RuntimeError("database is locked")
        self.forgotten.append(user)


async def test_after_the_store_erased_every_listener_hears_even_if_one_fails(
    caplog: pytest.LogCaptureFixture,
) -> None:
    erasures = Erasures()
    failing, listening = Recorder(fail=True), Recorder()
    erasures.join(failing)
    erasures.join(listening)
    store = Store()
    with caplog.at_level(logging.ERROR, logger="bot.erasures"):
        await AnnouncingDataRights(store, erasures).forget(ANA)
    assert store.forgotten == [ANA]
    assert failing.heard == listening.heard == [ANA]
    assert "OSError" in caplog.text
    assert "@ana" not in caplog.text  # the error's text (which may name them) is not logged


async def test_a_failed_erasure_is_announced_to_nobody() -> None:
    erasures = Erasures()
    listening = Recorder()
    erasures.join(listening)
    with pytest.raises(RuntimeError):
        await AnnouncingDataRights(Store(fail=True), erasures).forget(ANA)
    assert listening.heard == []


async def test_only_channels_that_keep_state_join() -> None:
    class Stateless:
        name = "telegram"

    erasures = Erasures()
    recorder = Recorder()
    assert isinstance(recorder, ErasureListener)
    assert erasures.join_channels([Stateless(), recorder]) == 1
    await erasures.announce(ANA)
    assert recorder.heard == [ANA]
