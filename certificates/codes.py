"""Public certificate codes: 80 random bits a person can read over a radio and type back.

A code is 16 symbols of Crockford's base32 alphabet (digits and capitals without I, L, O
and U, so nothing reads as another symbol or spells a word) followed by one check symbol,
shown in groups: ``K7QM-4XPA-9D2F-HT6WR``. The check symbol is Luhn mod 32 over the 16
symbols, which catches every single wrong symbol and every swap of two neighbours but 0 and Z, so a
mistyped code is refused as malformed instead of looked up.

Typing is forgiving the way Crockford's scheme intends: lower case, spaces and hyphens
are accepted, and I/L read as 1, O as 0.
"""

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
DATA_SYMBOLS = 16  # 16 x 5 = 80 random bits
GROUPS = (4, 4, 4, 5)  # the last group ends with the check symbol
LENGTH = sum(GROUPS) + len(GROUPS) - 1  # with hyphens: 20
_VALUE = {symbol: index for index, symbol in enumerate(ALPHABET)}
_TYPED = str.maketrans({"I": "1", "L": "1", "O": "0", "-": None, " ": None})


def check_symbol(symbols: str) -> str:
    """Luhn mod N (N = 32) over ``symbols``, computed right to left."""
    total, factor = 0, 2
    for symbol in reversed(symbols):
        addend = factor * _VALUE[symbol]
        total += addend // 32 + addend % 32
        factor = 1 if factor == 2 else 2
    return ALPHABET[(32 - total % 32) % 32]


def _grouped(symbols: str) -> str:
    parts, start = [], 0
    for size in GROUPS:
        parts.append(symbols[start : start + size])
        start += size
    return "-".join(parts)


def code_new() -> str:
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(DATA_SYMBOLS))
    return _grouped(symbols + check_symbol(symbols))


def code_normalise(typed: str) -> str | None:
    """The canonical code for what a person typed, or None when it cannot be a code."""
    symbols = str(typed).upper().translate(_TYPED)
    if len(symbols) != DATA_SYMBOLS + 1 or any(symbol not in _VALUE for symbol in symbols):
        return None
    if check_symbol(symbols[:-1]) != symbols[-1]:
        return None
    return _grouped(symbols)
