"""Amazon marketplaces: codes, currencies, time zones and the names exports use for them.

Output always uses the two-letter code (``US``, ``DE``, ``JP``); exports name marketplaces in
many ways (``Amazon.com``, ``United States``, ``amazon.de``, ``AMAZON.COM``, ``ATVPDKIKX0DER``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Marketplace:
    code: str
    currency: str
    domain: str
    country: str
    time_zone: str
    #: How the marketplace's UI writes dates when the values themselves cannot tell.
    day_first: bool
    #: Whether the marketplace's UI writes decimals with a comma (``1.234,56``).
    decimal_comma: bool
    marketplace_id: str = ""


MARKETPLACES: dict[str, Marketplace] = {
    m.code: m
    for m in [
        Marketplace("US", "USD", "amazon.com", "United States", "America/Los_Angeles", False, False, "ATVPDKIKX0DER"),
        Marketplace("CA", "CAD", "amazon.ca", "Canada", "America/Los_Angeles", False, False, "A2EUQ1WTGCTBG2"),
        Marketplace("MX", "MXN", "amazon.com.mx", "Mexico", "America/Los_Angeles", False, False, "A1AM78C64UM0Y8"),
        Marketplace("BR", "BRL", "amazon.com.br", "Brazil", "America/Sao_Paulo", True, True, "A2Q3Y263D00KWC"),
        Marketplace("UK", "GBP", "amazon.co.uk", "United Kingdom", "Europe/London", True, False, "A1F83G8C2ARO7P"),
        Marketplace("DE", "EUR", "amazon.de", "Germany", "Europe/Berlin", True, True, "A1PA6795UKMFR9"),
        Marketplace("FR", "EUR", "amazon.fr", "France", "Europe/Paris", True, True, "A13V1IB3VIYZZH"),
        Marketplace("IT", "EUR", "amazon.it", "Italy", "Europe/Rome", True, True, "APJ6JRA9NG5V4"),
        Marketplace("ES", "EUR", "amazon.es", "Spain", "Europe/Madrid", True, True, "A1RKKUPIHCS9HS"),
        Marketplace("NL", "EUR", "amazon.nl", "Netherlands", "Europe/Amsterdam", True, True, "A1805IZSGTT6HS"),
        Marketplace("SE", "SEK", "amazon.se", "Sweden", "Europe/Stockholm", False, True, "A2NODRKZP88ZB9"),
        Marketplace("PL", "PLN", "amazon.pl", "Poland", "Europe/Warsaw", True, True, "A1C3SOZRARQ6R3"),
        Marketplace("BE", "EUR", "amazon.com.be", "Belgium", "Europe/Brussels", True, True, "AMEN7PMS3EDWL"),
        Marketplace("TR", "TRY", "amazon.com.tr", "Turkey", "Europe/Istanbul", True, True, "A33AVAJ2PDY3EV"),
        Marketplace("AE", "AED", "amazon.ae", "United Arab Emirates", "Asia/Dubai", True, False, "A2VIGQ35RCS4UG"),
        Marketplace("SA", "SAR", "amazon.sa", "Saudi Arabia", "Asia/Riyadh", True, False, "A17E79C6D8DWNP"),
        Marketplace("EG", "EGP", "amazon.eg", "Egypt", "Africa/Cairo", True, False, "ARBP9OOSHTCHU"),
        Marketplace("IN", "INR", "amazon.in", "India", "Asia/Kolkata", True, False, "A21TJRUUN4KGV"),
        Marketplace("JP", "JPY", "amazon.co.jp", "Japan", "Asia/Tokyo", False, False, "A1VC38T7YXB528"),
        Marketplace("SG", "SGD", "amazon.sg", "Singapore", "Asia/Singapore", True, False, "A19VAU5U5O7RUS"),
        Marketplace("AU", "AUD", "amazon.com.au", "Australia", "Australia/Sydney", True, False, "A39IBJ37TRP1C6"),
    ]
}

#: Codes people and folders use that are not the canonical code.
_CODE_ALIASES = {"GB": "UK", "USA": "US", "DEU": "DE", "JPN": "JP"}

#: Currencies that a single marketplace owns, so a currency can name the marketplace.
#: EUR is shared by several marketplaces, so it names none.
CURRENCY_TO_MARKETPLACE: dict[str, str] = {}
for _m in MARKETPLACES.values():
    CURRENCY_TO_MARKETPLACE.setdefault(_m.currency, _m.code)
for _shared in ("EUR",):
    CURRENCY_TO_MARKETPLACE.pop(_shared, None)

_NAME_TO_CODE: dict[str, str] = {}
for _m in MARKETPLACES.values():
    for _name in (
        _m.code,
        _m.domain,
        "www." + _m.domain,
        _m.country,
        _m.marketplace_id,
        _m.domain.replace("amazon.", "amazon "),
    ):
        _NAME_TO_CODE[_name.casefold()] = _m.code
for _alias, _code in _CODE_ALIASES.items():
    _NAME_TO_CODE[_alias.casefold()] = _code
_NAME_TO_CODE.update(
    {
        "great britain": "UK",
        "deutschland": "DE",
        "日本": "JP",
        "美国": "US",
        "德国": "DE",
        "英国": "UK",
        "united states of america": "US",
    }
)


def marketplace_code(name: object) -> str | None:
    """The two-letter code for a marketplace as an export or a person names it, else ``None``."""
    if not isinstance(name, str):
        return None
    key = name.strip().casefold()
    if not key:
        return None
    return _NAME_TO_CODE.get(key)


def is_marketplace_code(segment: str) -> bool:
    """Whether a path segment is exactly a marketplace code (``US``, ``de``, ``GB``)."""
    up = segment.strip().upper()
    return up in MARKETPLACES or up in _CODE_ALIASES


def canonical_code(segment: str) -> str:
    up = segment.strip().upper()
    return _CODE_ALIASES.get(up, up)


def currency_of(code: str) -> str | None:
    m = MARKETPLACES.get(code)
    return m.currency if m else None
