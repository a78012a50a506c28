"""Amounts of money in Hong Kong dollars, as people in Hong Kong write them.

Every amount on the site is a whole number of Hong Kong dollars held in an
``int``.  This module turns what a reader types or what a newspaper prints
into that number, and turns the number back into text for a reader:

* ``parse_amount`` understands one amount written on its own, in Chinese
  style (``5,000萬``, ``30億元``, ``1億5000萬``, ``三十億``, ``港幣3億元``) or in
  English style (``HK$100 million``, ``$1.2bn``, ``50m``, ``100k``,
  ``50,000,000``).  Anything it cannot read with certainty raises
  ``ValueError`` with a message meant for the person who typed it.
* ``find_amounts`` picks the sums of money out of Chinese prose, so quoted
  sentences can be checked against the figures stored for a measure.
* ``format_amount`` writes an amount the way a reader of the chosen language
  expects: ``HK$30億`` and ``HK$5,000萬`` in Chinese, ``HK$3 billion`` and
  ``HK$50 million`` in English.
* ``AmountField`` is a form field that accepts anything ``parse_amount`` does,
  for search filters such as "at least 5,000萬".

Arithmetic is done with ``decimal.Decimal`` so that ``1.5億`` is exactly
150,000,000 and never a nearby float.
"""

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, localcontext

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MinLengthValidator
from django.utils.translation import gettext

MAX_INPUT_LENGTH = 100
MAX_AMOUNT = 10**15

_DECIMAL_PRECISION = 4 * MAX_INPUT_LENGTH

_NUMBER = r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?"

_MINUS_SIGNS = ("-", "\N{MINUS SIGN}")
_PREFIXES = ("hk$", "hkd", "$", "港幣", "港元")
_SUFFIXES = ("港元", "元", "hkd")

_ENGLISH_UNITS = {
    "k": 10**3,
    "thousand": 10**3,
    "m": 10**6,
    "mn": 10**6,
    "million": 10**6,
    "b": 10**9,
    "bn": 10**9,
    "billion": 10**9,
}
_ENGLISH_AMOUNT = re.compile(
    rf"(?P<number>{_NUMBER})\s*(?P<unit>{'|'.join(sorted(_ENGLISH_UNITS, key=len, reverse=True))})?"
)

_CHINESE_UNITS = {"萬": 10**4, "万": 10**4, "億": 10**8, "亿": 10**8}
_CHINESE_DIGITS = {
    "一": 1,
    "二": 2,
    "兩": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CHINESE_ZEROS = frozenset("零〇")
_CHINESE_PLACES = {"十": 10, "百": 100, "千": 1000}
_CHINESE_TOKEN = re.compile(
    rf"(?P<number>{_NUMBER})"
    rf"|(?P<digit>[{''.join(_CHINESE_DIGITS)}])"
    rf"|(?P<zero>[{''.join(_CHINESE_ZEROS)}])"
    rf"|(?P<place>[{''.join(_CHINESE_PLACES)}])"
    rf"|(?P<unit>[{''.join(_CHINESE_UNITS)}])"
    r"|(?P<space>\s+)"
)

_PROSE_AMOUNT = re.compile(
    r"(?<![0-9.,])"
    rf"(?:(?:{_NUMBER})億(?:(?:{_NUMBER})萬)?元?"
    rf"|(?:{_NUMBER})萬元?"
    rf"|(?:{_NUMBER})元)"
)

_CHINESE_FORMAT_UNITS = ((10**8, "億"), (10**4, "萬"))
_ENGLISH_FORMAT_UNITS = ((10**9, " billion"), (10**6, " million"))
_CENTS = Decimal("0.01")


class _NotAnAmount(Exception):
    """Raised inside the parser when the text does not follow the grammar."""


def parse_amount(text: str) -> int:
    """Return the number of Hong Kong dollars written in ``text``.

    Raise ``ValueError`` with a translatable, human-readable message when the
    text is empty, is not an amount, is negative, is not a whole number of
    dollars, is over ``MAX_AMOUNT`` or is longer than ``MAX_INPUT_LENGTH``.
    """
    if not isinstance(text, str):
        raise TypeError(f"parse_amount() expects a str, not {type(text).__name__}")
    if len(text) > MAX_INPUT_LENGTH:
        raise ValueError(_too_long_message())
    normalised = unicodedata.normalize("NFKC", text).strip()
    if len(normalised) > MAX_INPUT_LENGTH:
        raise ValueError(_too_long_message())
    if not normalised:
        raise ValueError(gettext("Enter an amount of money."))

    try:
        negative, value = _read_amount(normalised.lower())
    except _NotAnAmount:
        raise ValueError(
            gettext(
                "“%(text)s” is not an amount of money. "
                "Write it like 5,000萬, 30億元 or HK$100 million."
            )
            % {"text": normalised}
        ) from None

    if negative and value:
        raise ValueError(gettext("An amount of money cannot be negative."))
    if value > MAX_AMOUNT:
        raise ValueError(
            gettext("“%(text)s” is too large: amounts go up to HK$%(limit)s.")
            % {"text": normalised, "limit": f"{MAX_AMOUNT:,}"}
        )
    if value != value.to_integral_value():
        raise ValueError(
            gettext("“%(text)s” is not a whole number of Hong Kong dollars.") % {"text": normalised}
        )
    return int(value)


def _too_long_message() -> str:
    return gettext("An amount of money is at most %(limit)d characters long.") % {
        "limit": MAX_INPUT_LENGTH
    }


def _read_amount(text: str) -> tuple[bool, Decimal]:
    """Split off sign, currency prefix and suffix; return (negative, value)."""
    negative = text.startswith(_MINUS_SIGNS)
    if negative:
        text = text[1:].lstrip()
    text = _remove_prefix(text)
    if not negative and text.startswith(_MINUS_SIGNS):
        negative = True
        text = text[1:].lstrip()
    text = _remove_suffix(text)
    if not text:
        raise _NotAnAmount

    with localcontext(prec=_DECIMAL_PRECISION):
        english = _ENGLISH_AMOUNT.fullmatch(text)
        if english:
            value = _decimal(english["number"])
            if english["unit"]:
                value *= _ENGLISH_UNITS[english["unit"]]
            return negative, value
        return negative, _read_chinese(text)


def _remove_prefix(text: str) -> str:
    for prefix in _PREFIXES:
        if text.startswith(prefix):
            return text[len(prefix) :].lstrip()
    if text.startswith("hk") and text[2:].lstrip().startswith("$"):
        return text[2:].lstrip()[1:].lstrip()
    return text


def _remove_suffix(text: str) -> str:
    for suffix in _SUFFIXES:
        if text.endswith(suffix):
            return text[: -len(suffix)].rstrip()
    return text


def _decimal(number: str) -> Decimal:
    return Decimal(number.replace(",", ""))


def _chinese_tokens(text: str) -> list[tuple[str, str]]:
    tokens = []
    position = 0
    while position < len(text):
        match = _CHINESE_TOKEN.match(text, position)
        if not match:
            raise _NotAnAmount
        if match.lastgroup != "space":
            tokens.append((match.lastgroup, match.group()))
        position = match.end()
    return tokens


def _read_chinese(text: str) -> Decimal:
    """Read amounts built from 萬 and 億, in Arabic or Chinese numerals.

    The text is a series of terms, each a number and a unit, with units
    getting smaller: ``1億5000萬``, ``一億五千萬``, ``一億零五百萬``.  A final
    term without a unit must be in Chinese numerals (``三萬五千``, ``三萬零五``);
    a lone digit right after a unit is read the spoken way, so ``三萬五`` is
    35,000 and ``一億五`` is 150,000,000.
    """
    tokens = _chinese_tokens(text)
    total = Decimal(0)
    last_unit = None
    position = 0
    while True:
        after_zero = position < len(tokens) and tokens[position][0] == "zero"
        if after_zero:
            if last_unit is None:
                raise _NotAnAmount
            position += 1
        if position >= len(tokens):
            raise _NotAnAmount

        kind, number_text = tokens[position]
        if kind == "number" and not _is_followed_by_place(tokens, position):
            number, lone_digit, is_arabic = _decimal(number_text), False, True
            position += 1
        else:
            number, lone_digit, position = _read_chinese_below_ten_thousand(tokens, position)
            is_arabic = False

        if position < len(tokens) and tokens[position][0] == "unit":
            unit = _CHINESE_UNITS[tokens[position][1]]
            position += 1
            if last_unit is not None and (unit >= last_unit or number * unit >= last_unit):
                raise _NotAnAmount
            total += number * unit
            last_unit = unit
            if position == len(tokens):
                return total
            continue

        if position != len(tokens) or is_arabic:
            raise _NotAnAmount
        if last_unit is None:
            return number
        if lone_digit and not after_zero:
            number *= last_unit // 10
        if number >= last_unit:
            raise _NotAnAmount
        return total + number


def _read_chinese_below_ten_thousand(
    tokens: list[tuple[str, str]], position: int
) -> tuple[Decimal, bool, int]:
    """Read a number under 10,000 such as 五千, 三十, 一千零五, 一千五 or 5千.

    Return the number, whether it was a single digit and nothing else, and
    the position after it.
    """
    start = position
    total = 0
    last_place = 10**4
    digit = None
    zero_pending = False
    zero_before_digit = False
    while position < len(tokens):
        kind, text = tokens[position]
        if kind in ("digit", "number"):
            if digit is not None:
                raise _NotAnAmount
            digit = _chinese_digit(tokens, position)
            zero_before_digit = zero_pending
            zero_pending = False
        elif kind == "zero":
            if position == start or digit is not None or zero_pending:
                raise _NotAnAmount
            zero_pending = True
        elif kind == "place":
            place = _CHINESE_PLACES[text]
            if place >= last_place:
                raise _NotAnAmount
            if digit is None:
                if place != 10 or (position != start and not zero_pending):
                    raise _NotAnAmount
                digit = 1
            total += digit * place
            last_place = place
            digit = None
            zero_pending = False
        else:
            break
        position += 1

    if position == start or zero_pending:
        raise _NotAnAmount
    lone_digit = position == start + 1 and digit is not None
    if digit is not None:
        if zero_before_digit or lone_digit:
            total += digit
        else:
            total += digit * last_place // 10
    return Decimal(total), lone_digit, position


def _chinese_digit(tokens: list[tuple[str, str]], position: int) -> int:
    """Return the digit at ``position``; an Arabic digit counts only before 十, 百 or 千."""
    kind, text = tokens[position]
    if kind == "digit":
        return _CHINESE_DIGITS[text]
    if len(text) == 1 and text != "0" and _is_followed_by_place(tokens, position):
        return int(text)
    raise _NotAnAmount


def _is_followed_by_place(tokens: list[tuple[str, str]], position: int) -> bool:
    return position + 1 < len(tokens) and tokens[position + 1][0] == "place"


def find_amounts(text: str) -> list[int]:
    """Return the sums of money written in Chinese prose, in order.

    A sum of money is an Arabic number followed by 億, 萬 or 元, as in
    ``30億元``, ``5,000萬元``, ``5000萬`` or ``1億5000萬元``.  Counts, years and
    times such as ``近30個``, ``2025／26`` and ``11:53`` are not money.
    Expressions that are not whole dollars are left out.
    """
    normalised = unicodedata.normalize("NFKC", text)
    amounts = []
    for match in _PROSE_AMOUNT.finditer(normalised):
        try:
            amounts.append(parse_amount(match.group()))
        except ValueError:
            continue
    return amounts


def format_amount(value: int, language: str) -> str:
    """Write ``value`` Hong Kong dollars for a reader of ``language``.

    Chinese (any language code starting with ``zh``) uses 億 and 萬 as the
    newspapers do: ``HK$30億``, ``HK$5,000萬``, ``HK$1.23億``.  English uses
    million and billion: ``HK$3 billion``, ``HK$123.46 million``.  Amounts too
    small for a unit are written in full (``HK$9,999``, ``HK$950,000``).  The
    largest unit not bigger than the amount is used, unless rounding reaches
    the next one (999,999,999 is ``HK$1 billion``, not ``HK$1,000 million``).
    At most two decimals are shown, rounded half up, without trailing zeros.
    """
    if value < 0:
        return "-" + format_amount(-value, language)
    is_chinese = (language or "").lower().startswith("zh")
    units = _CHINESE_FORMAT_UNITS if is_chinese else _ENGLISH_FORMAT_UNITS
    for position, (size, name) in enumerate(units):
        if value < size:
            continue
        scaled = _scaled(value, size)
        if position and scaled * size >= units[position - 1][0]:
            size, name = units[position - 1]
            scaled = _scaled(value, size)
        return f"HK${_plain_decimal(scaled)}{name}"
    return f"HK${value:,}"


def _scaled(value: int, size: int) -> Decimal:
    """Return ``value / size`` rounded half up to two decimals."""
    with localcontext(prec=len(str(value)) + 3):
        return (Decimal(value) / size).quantize(_CENTS, rounding=ROUND_HALF_UP)


def _plain_decimal(number: Decimal) -> str:
    text = f"{number:,.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class AmountField(forms.CharField):
    """A text field that reads an amount with ``parse_amount`` and cleans to ``int``.

    Empty input cleans to ``None``.  Invalid input raises ``ValidationError``
    with code ``invalid_amount`` and the message from ``parse_amount``.
    """

    widget = forms.TextInput

    def __init__(self, *, max_length=MAX_INPUT_LENGTH, **kwargs):
        super().__init__(max_length=max_length, **kwargs)
        self._length_validators = [
            validator
            for validator in self.validators
            if isinstance(validator, MinLengthValidator | MaxLengthValidator)
        ]
        self.validators = [
            validator for validator in self.validators if validator not in self._length_validators
        ]

    def to_python(self, value):
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        for validator in self._length_validators:
            validator(text)
        try:
            return parse_amount(text)
        except ValueError as error:
            # The message quotes what was typed, which may hold "%": pass it as a parameter so
            # nothing downstream treats it as a format string.
            raise ValidationError(
                "%(error)s", code="invalid_amount", params={"error": str(error)}
            ) from error
