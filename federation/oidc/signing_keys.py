"""The rotating keys that sign the hub's tokens.

A signing key is an EC P-256 key (ES256). Its private half is stored encrypted with AES-256-GCM
under the master key, bound to its ``kid``. Rotation makes a new key the signer; the old one stays
published in the JWKS until the last token it signed has expired, then drops out.
"""

from __future__ import annotations

from datetime import timedelta

from joserfc.jwk import ECKey
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.oidc.models import SigningKey
from hub.core.clock import utcnow
from hub.core.errors import ConfigurationError
from hub.core.key_wrapping import UnwrapError
from hub.core.master_key import MasterKey

ALGORITHM = "ES256"


async def create_signing_key(session: AsyncSession, master: MasterKey) -> SigningKey:
    key = ECKey.generate_key("P-256", auto_kid=True)
    kid = str(key.kid)
    pem = key.as_pem(private=True)
    record = SigningKey(
        kid=kid,
        alg=ALGORITHM,
        private_key=master.encrypt(pem, kid.encode()),
        public_jwk={**key.as_dict(private=False), "alg": ALGORITHM, "use": "sig"},
    )
    session.add(record)
    await session.flush()
    await session.refresh(record)
    return record


async def current_signing_key(session: AsyncSession) -> SigningKey | None:
    query = select(SigningKey).where(SigningKey.retired_at.is_(None)).order_by(SigningKey.created_at.desc())
    return (await session.execute(query)).scalars().first()


async def ensure_signing_key(session: AsyncSession, master: MasterKey) -> SigningKey:
    return await current_signing_key(session) or await create_signing_key(session, master)


async def rotate_signing_keys(session: AsyncSession, master: MasterKey, token_seconds: int) -> SigningKey:
    """A new key signs from now; the previous ones stay published while their tokens live.

    Refused (``ConfigurationError``) when ``master`` does not open the current key: a process still
    on an old master key must not add keys the others cannot read."""
    current = await current_signing_key(session)
    if current is not None:
        private_key(current, master)
    now = utcnow()
    for old in (await session.execute(select(SigningKey).where(SigningKey.retired_at.is_(None)))).scalars():
        old.retired_at = now
        old.published_until = now + timedelta(seconds=token_seconds + 60)
    return await create_signing_key(session, master)


async def published_keys(session: AsyncSession) -> list[SigningKey]:
    """The keys in the JWKS: the signer and every retired key whose tokens may still be alive."""
    query = (
        select(SigningKey)
        .where(or_(SigningKey.published_until.is_(None), SigningKey.published_until > utcnow()))
        .order_by(SigningKey.created_at.desc())
    )
    return list((await session.execute(query)).scalars())


async def all_keys(session: AsyncSession) -> list[SigningKey]:
    return list((await session.execute(select(SigningKey).order_by(SigningKey.created_at.desc()))).scalars())


def private_key(record: SigningKey, master: MasterKey) -> ECKey:
    try:
        pem = master.decrypt(record.private_key, record.kid.encode())
    except UnwrapError:
        raise ConfigurationError(
            f"the master key does not open signing key {record.kid}: is LPSE_HUB_MASTER_KEY the one this "
            "database was set up with?"
        ) from None
    return ECKey.import_key(pem, {"kid": record.kid})


async def rewrap_signing_keys(session: AsyncSession, old: MasterKey, new: MasterKey) -> int:
    """Re-encrypt every signing key's private half under ``new`` (a master key rotation)."""
    records = list((await session.execute(select(SigningKey).with_for_update())).scalars())
    for record in records:
        record.private_key = new.encrypt(
            old.decrypt(record.private_key, record.kid.encode()), record.kid.encode()
        )
    await session.flush()
    return len(records)
