"""Rotating the data key: every stored value moves to the new key, and the old key can go."""

import base64

import pytest
from sqlalchemy import LargeBinary, select, type_coerce

from finplat import key_rotation
from finplat.core import crypto
from finplat.identity import kyc
from finplat.identity.models import BankCard, User
from tests import factories

NEW_KEY = base64.b64encode(b"second-data-key-of-32-bytes-long").decode()


@pytest.fixture
def ring_with_new_key(settings):  # type: ignore[no-untyped-def]
    original = crypto.KeyRing.parse(settings.data_keys, settings.data_key_active,
                                    settings.blind_index_key)
    yield crypto.KeyRing.parse(f"{settings.data_keys},2:{NEW_KEY}", 2, settings.blind_index_key)
    crypto.configure(original)


async def _stored_versions(db) -> set[int]:  # type: ignore[no-untyped-def]
    async with db.transaction(readonly=True) as session:
        blobs = list(await session.scalars(select(type_coerce(User.id_number, LargeBinary))
                                           .where(User.id_number.is_not(None))))
        blobs += list(await session.scalars(select(type_coerce(BankCard.card_number, LargeBinary))))
    return {crypto.key_version(bytes(blob)) for blob in blobs}


async def test_rotation_moves_every_value_and_frees_the_old_key(db, clock, settings,
                                                                ring_with_new_key) -> None:
    id_number = factories.unique_id_number()
    user_id = await factories.make_user(db, now=clock.now(), id_number=id_number,
                                        bank_card_number=factories.unique_bank_card())
    await factories.make_user(db, now=clock.now(), bank_card_number=factories.unique_bank_card())
    assert await _stored_versions(db) == {1}

    crypto.configure(ring_with_new_key)
    before = await key_rotation.pending(db)
    assert before["identity_user.id_number"] == 2 and before["identity_bank_card.card_number"] == 2

    report = await key_rotation.rotate(db, batch_size=1)  # one row per transaction: resumable
    assert report["identity_user.id_number"] == 2
    assert not any((await key_rotation.pending(db)).values())
    assert await _stored_versions(db) == {2}
    assert await key_rotation.rotate(db) == {name: 0 for name in report}  # nothing left to do

    # The old version leaves the ring, and the data still reads, and lookups still work.
    crypto.configure(crypto.KeyRing.parse(f"2:{NEW_KEY}", 2, settings.blind_index_key))
    async with db.transaction(readonly=True) as session:
        user = await session.get(User, user_id)
        assert user is not None and user.id_number == id_number
        found = await session.scalar(select(User.id).where(
            User.id_number_index == crypto.blind_index(id_number, purpose=kyc.ID_NUMBER_PURPOSE)))
    assert found == user_id
