"""What a vendor's registration must satisfy: tax and business numbers, business fields, home regency.

Numbers are stored as digits only, whatever separators the registrant typed:

>>> normalise_npwp("01.234.567.8-901.000")
'012345678901000'
>>> format_npwp("012345678901000")
'01.234.567.8-901.000'

Every rule broken raises ``InvalidInput`` naming the field, so a form can point at it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from hub.core.errors import InvalidInput
from tenants.regions import RegionKind, find_region

_SEPARATORS = re.compile(r"[\s.\-]")
NPWP_LENGTHS = (15, 16)
"""Classic NPWP (15 digits) and the NIK-based NPWP used since 2024 (16 digits)."""
NIB_LENGTH = 13
KBLI_PATTERN = re.compile(r"^\d{5}$")
MAX_NAME = 200
MAX_ADDRESS = 1000


def _digits(value: str) -> str | None:
    """``value`` without separators if only digits remain, else ``None``."""
    bare = _SEPARATORS.sub("", value)
    return bare if bare.isascii() and bare.isdigit() else None


def normalise_npwp(value: str) -> str:
    """The NPWP (*Nomor Pokok Wajib Pajak*) as digits: 15 (classic) or 16 (NIK-based)."""
    digits = _digits(value)
    if digits is None or len(digits) not in NPWP_LENGTHS:
        raise InvalidInput(
            f"invalid NPWP {value!r}: use the 15-digit form (e.g. 01.234.567.8-901.000) "
            "or the 16-digit NIK-based form",
            field="npwp",
        )
    return digits


def format_npwp(digits: str) -> str:
    """The classic NPWP as printed on the card (``01.234.567.8-901.000``); a 16-digit one as is."""
    if len(digits) != 15:
        return digits
    d = digits
    return f"{d[:2]}.{d[2:5]}.{d[5:8]}.{d[8]}-{d[9:12]}.{d[12:]}"


def normalise_nib(value: str | None) -> str | None:
    """The NIB (*Nomor Induk Berusaha*, issued by OSS) as 13 digits; ``None`` when not given."""
    if value is None or not value.strip():
        return None
    digits = _digits(value)
    if digits is None or len(digits) != NIB_LENGTH:
        raise InvalidInput(f"invalid NIB {value!r}: an NIB has {NIB_LENGTH} digits", field="nib")
    return digits


def normalise_kbli(codes: Iterable[str]) -> list[str]:
    """Business fields as KBLI 2020 codes (five digits each), without repeats, in the order given."""
    result: list[str] = []
    for code in (c.strip() for c in codes):
        if not KBLI_PATTERN.match(code):
            raise InvalidInput(f"invalid KBLI code {code!r}: a KBLI code has 5 digits", field="kbli")
        if code not in result:
            result.append(code)
    if not result:
        raise InvalidInput("a vendor needs at least one business field (KBLI code)", field="kbli")
    return result


def check_home_regency(code: str) -> str:
    """The code of the regency or city where the vendor is domiciled, checked against the regions table."""
    code = code.strip()
    region = find_region(code)
    if region is None:
        raise InvalidInput(
            f"home regency {code!r} is not a regency or city code in the regions table",
            field="home_regency_code",
        )
    if region.kind is RegionKind.PROVINCE:
        raise InvalidInput(
            f"{code} is the province {region.name}: give the code of a regency or city",
            field="home_regency_code",
        )
    return code


def clean_name(name: str) -> str:
    """The company's name with runs of spaces collapsed: 1 to 200 characters."""
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise InvalidInput(f"a vendor's name must be 1 to {MAX_NAME} characters", field="name")
    return name


def clean_address(address: str) -> str:
    address = address.strip()
    if not address or len(address) > MAX_ADDRESS:
        raise InvalidInput(f"a vendor's address must be 1 to {MAX_ADDRESS} characters", field="address")
    return address
