"""Files people send the bot are kept by it: a photo is passed on by reference, not by a
platform's file id."""

from __future__ import annotations

from storage.files import FileStore, is_stored


def test_a_kept_file_reads_back_by_its_reference_and_the_same_bytes_are_kept_once(uow_factory) -> None:
    store = FileStore(uow_factory.engine)
    photo, other = b"\x89PNG\r\n\x1a\n" + bytes(range(256)), b"\xff\xd8\xff" + b"jpeg" * 100
    reference = store.keep(photo)
    assert is_stored(reference)
    assert store.keep(photo) == reference, "the same photo sent twice is one file"
    assert store.keep(other) != reference
    assert store.read(reference) == photo and store.read(store.keep(other)) == other


def test_a_platforms_file_id_or_a_forged_reference_reads_as_nothing(uow_factory) -> None:
    store = FileStore(uow_factory.engine)
    telegram_file_id = "AgACAgIAAxkBAAIBY2VhZ"
    assert not is_stored(telegram_file_id) and store.read(telegram_file_id) is None
    assert store.read("stored:999") is None and store.read("stored:x") is None
    assert store.read("stored:" + "9" * 40) is None, "beyond 63 bits: nothing, not an overflow"
