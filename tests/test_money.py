"""Tests for measures.money: reading, finding and writing amounts of HKD."""

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation
from django_filters import NumberFilter
from hypothesis import example, given
from hypothesis import strategies as st

from measures import money
from measures.money import (
    MAX_AMOUNT,
    MAX_INPUT_LENGTH,
    AmountField,
    find_amounts,
    format_amount,
    parse_amount,
)


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


ACCEPTED = [
    ("50000000", 50_000_000),
    ("50,000,000", 50_000_000),
    ("5,000萬", 50_000_000),
    ("5000萬", 50_000_000),
    ("5000萬元", 50_000_000),
    ("5000万", 50_000_000),
    ("30億", 3_000_000_000),
    ("30億元", 3_000_000_000),
    ("30亿", 3_000_000_000),
    ("1.5億", 150_000_000),
    ("1億5000萬", 150_000_000),
    ("1億5,000萬元", 150_000_000),
    ("1 億 5000 萬", 150_000_000),
    ("100 萬", 1_000_000),
    ("HK$100 million", 100_000_000),
    ("HK$ 3 billion", 3_000_000_000),
    ("HK $3 billion", 3_000_000_000),
    ("hk$3bn", 3_000_000_000),
    ("$1.2bn", 1_200_000_000),
    ("50m", 50_000_000),
    ("50M", 50_000_000),
    ("50mn", 50_000_000),
    ("50 Million", 50_000_000),
    ("3bn", 3_000_000_000),
    ("3b", 3_000_000_000),
    ("3 billion", 3_000_000_000),
    ("3 BILLION", 3_000_000_000),
    ("100k", 100_000),
    ("100K", 100_000),
    ("100 thousand", 100_000),
    ("1.234567m", 1_234_567),
    ("HKD 5 million", 5_000_000),
    ("5 million HKD", 5_000_000),
    ("港幣3億元", 300_000_000),
    ("3億港元", 300_000_000),
    ("HK$30億", 3_000_000_000),
    ("5000元", 5_000),
    ("３０億", 3_000_000_000),
    ("５，０００萬", 50_000_000),
    ("ＨＫ＄１００ million", 100_000_000),
    ("  30億 ", 3_000_000_000),
    ("\t50,000,000\n", 50_000_000),
    ("0", 0),
    ("-0", 0),
    ("1000000000000000", MAX_AMOUNT),
    ("1,000,000 billion", MAX_AMOUNT),
    ("10,000,000億", MAX_AMOUNT),
    ("三十億", 3_000_000_000),
    ("五千萬", 50_000_000),
    ("五千萬元", 50_000_000),
    ("兩億", 200_000_000),
    ("十億", 1_000_000_000),
    ("十五億", 1_500_000_000),
    ("一百億", 10_000_000_000),
    ("一億五千萬", 150_000_000),
    ("一億零五百萬", 105_000_000),
    ("三萬五千", 35_000),
    ("三萬零五", 30_005),
    ("一千零十", 1_010),
    ("港幣五千萬元", 50_000_000),
    ("5千萬", 50_000_000),
    ("1億五千萬", 150_000_000),
    # The spoken shorthand: a lone digit after a unit is the next place down.
    ("三萬五", 35_000),
    ("一億五", 150_000_000),
    ("一千五", 1_500),
]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED)
def test_parse_amount_accepts(text, expected):
    assert parse_amount(text) == expected
    assert type(parse_amount(text)) is int


def test_parse_amount_is_exact_for_decimals():
    assert parse_amount("1.5億") == 150_000_000
    assert parse_amount("0.1億") == 10_000_000
    assert parse_amount("1.1m") == 1_100_000
    assert parse_amount("2.675m") == 2_675_000


REJECTED = [
    ("", "Enter an amount"),
    ("   ", "Enter an amount"),
    ("abc", "is not an amount of money"),
    ("30億abc", "is not an amount of money"),
    ("1..5億", "is not an amount of money"),
    ("--5", "is not an amount of money"),
    ("1.5.5", "is not an amount of money"),
    ("1,5", "is not an amount of money"),
    ("5,0000", "is not an amount of money"),
    ("1 2", "is not an amount of money"),
    ("1e5", "is not an amount of money"),
    ("nan", "is not an amount of money"),
    ("inf", "is not an amount of money"),
    ("HK$", "is not an amount of money"),
    ("元", "is not an amount of money"),
    ("萬", "is not an amount of money"),
    ("5元元", "is not an amount of money"),
    ("5 trillion", "is not an amount of money"),
    ("1萬億", "is not an amount of money"),
    ("5萬1億", "is not an amount of money"),
    ("1億20000萬", "is not an amount of money"),
    ("1萬5000", "is not an amount of money"),
    ("零五萬", "is not an amount of money"),
    ("三五", "is not an amount of money"),
    ("一百十", "is not an amount of money"),
    ("15千", "is not an amount of money"),
    ("٣٠億", "is not an amount of money"),
    ("-5", "cannot be negative"),
    ("- 5", "cannot be negative"),
    ("-HK$5", "cannot be negative"),
    ("HK$-5", "cannot be negative"),
    ("－５億", "cannot be negative"),
    ("\N{MINUS SIGN}5", "cannot be negative"),
    ("1000000000000001", "too large"),
    ("1,000,001 billion", "too large"),
    ("10,000,001億", "too large"),
    ("9" * MAX_INPUT_LENGTH, "too large"),
    ("0.5", "not a whole number of Hong Kong dollars"),
    ("1.5", "not a whole number of Hong Kong dollars"),
    ("1.2345678m", "not a whole number of Hong Kong dollars"),
    ("1.234567891億", "not a whole number of Hong Kong dollars"),
    ("0.99999999999999999999999999999m", "not a whole number of Hong Kong dollars"),
    ("1" * (MAX_INPUT_LENGTH + 1), "at most 100 characters"),
    (" " * 200, "at most 100 characters"),
]


@pytest.mark.parametrize(("text", "message"), REJECTED)
def test_parse_amount_rejects(text, message):
    with pytest.raises(ValueError) as caught:
        parse_amount(text)
    assert message in str(caught.value)


def test_rejection_quotes_what_was_typed():
    with pytest.raises(ValueError, match="“30億abc”"):
        parse_amount("30億abc")


def test_rejection_messages_go_through_gettext(monkeypatch):
    monkeypatch.setattr(money, "gettext", lambda message: "翻譯：" + message)
    for text in ("", "abc", "-5", "0.5", "1" * 20, "x" * 200):
        with pytest.raises(ValueError, match="^翻譯："):
            parse_amount(text)


def test_parse_amount_wants_a_string():
    with pytest.raises(TypeError):
        parse_amount(5)


AMOUNT_CHARACTERS = (
    "0123456789０１２３,.，-－ $＄kKmMbBnilothusandHKD港幣元萬万億亿零〇一二兩三五九十百千 \t"
)


@given(st.one_of(st.text(max_size=120), st.text(alphabet=AMOUNT_CHARACTERS, max_size=40)))
@example("9" * 100)
@example("9" * 99 + "b")
@example("0." + "9" * 97 + "b")
@example("１" * 60)
@example("\ufdfa" * 10)
def test_parse_amount_only_ever_raises_value_error(text):
    try:
        value = parse_amount(text)
    except ValueError as error:
        assert str(error)
    else:
        assert type(value) is int
        assert 0 <= value <= MAX_AMOUNT


FUND_SENTENCE = (
    "政府推出的30億元「人工智能資助計劃」，已批出近30個涉及大語言模型、新材料、"
    "生物醫學等領域的科研項目，強化本地AI的研究及應用。"
)
COURSES_SENTENCE = (
    "政府亦將邀請不同公營機構聯同科技企業及大專院校，籌辦AI應用學習課程、"
    "講座及比賽等，為此撥款5,000萬元。"
)
QEF_SENTENCE = (
    "「優質教育基金」已預留20億元推進中小學數字教育，以開展校本AI教育項目，並資助學生參加相關活動。"
)
DIGITAL_SENTENCE = "政府會撥款1億元，引入業界的領先技術，加速政府數智化轉型。"
DEGREES_SENTENCE = (
    "自2025／26起的3個學年，資助大學將新增共27個與STEAM相關的學士學位課程，"
    "包括AI、創意產業、數據科學等。"
)


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (FUND_SENTENCE, [3_000_000_000]),
        (COURSES_SENTENCE, [50_000_000]),
        (QEF_SENTENCE, [2_000_000_000]),
        (DIGITAL_SENTENCE, [100_000_000]),
        (DEGREES_SENTENCE, []),
    ],
)
def test_find_amounts_in_budget_sentences(sentence, expected):
    assert find_amounts(sentence) == expected


@pytest.mark.parametrize(
    "text",
    ["近30個", "16間", "27個", "2025／26", "2025/26", "2027／28學年", "3個學年", "11:53", "2026年"],
)
def test_find_amounts_ignores_counts_years_and_times(text):
    assert find_amounts(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("撥款5000萬推行", [50_000_000]),
        ("預留1.5億元", [150_000_000]),
        ("合共1億5000萬元", [150_000_000]),
        ("每人800元", [800]),
        ("３０億元", [3_000_000_000]),
        ("先撥30億元，再撥5,000萬元，另加20億", [3_000_000_000, 50_000_000, 2_000_000_000]),
        ("2025／26年度撥款10億元", [1_000_000_000]),
        ("每張0.5元", []),
        ("", []),
    ],
)
def test_find_amounts_in_prose(text, expected):
    assert find_amounts(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "HK$0"),
        (1, "HK$1"),
        (9_999, "HK$9,999"),
        (10_000, "HK$1萬"),
        (12_345, "HK$1.23萬"),
        (950_000, "HK$95萬"),
        (50_000_000, "HK$5,000萬"),
        (99_950_000, "HK$9,995萬"),
        (99_999_949, "HK$9,999.99萬"),
        (99_999_950, "HK$1億"),
        (99_999_999, "HK$1億"),
        (100_000_000, "HK$1億"),
        (123_456_789, "HK$1.23億"),
        (150_000_000, "HK$1.5億"),
        (2_000_000_000, "HK$20億"),
        (3_000_000_000, "HK$30億"),
        (MAX_AMOUNT, "HK$10,000,000億"),
    ],
)
@pytest.mark.parametrize("language", ["zh-hant", "zh-hans", "zh", "zh-HK"])
def test_format_amount_in_chinese(value, expected, language):
    assert format_amount(value, language) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "HK$0"),
        (1, "HK$1"),
        (950_000, "HK$950,000"),
        (999_999, "HK$999,999"),
        (1_000_000, "HK$1 million"),
        (50_000_000, "HK$50 million"),
        (100_000_000, "HK$100 million"),
        (123_456_789, "HK$123.46 million"),
        (994_999_999, "HK$995 million"),
        (995_000_000, "HK$995 million"),
        (999_994_999, "HK$999.99 million"),
        (999_995_000, "HK$1 billion"),
        (999_999_999, "HK$1 billion"),
        (1_500_000_000, "HK$1.5 billion"),
        (3_000_000_000, "HK$3 billion"),
        (MAX_AMOUNT, "HK$1,000,000 billion"),
    ],
)
@pytest.mark.parametrize("language", ["en", "en-gb", "fr", ""])
def test_format_amount_in_english(value, expected, language):
    assert format_amount(value, language) == expected


def test_format_amount_rounds_half_up():
    assert format_amount(1_235_000, "en") == "HK$1.24 million"
    assert format_amount(12_345, "zh-hant") == "HK$1.23萬"
    assert format_amount(12_355, "zh-hant") == "HK$1.24萬"


def _formats_exactly(value, language):
    if language == "en":
        return value < 10**6 or (value < 10**9 and value % 10**4 == 0) or value % 10**7 == 0
    return value < 10**4 or (value < 10**8 and value % 10**2 == 0) or value % 10**6 == 0


NEAR_A_UNIT = st.builds(
    lambda power, offset: min(max(10**power + offset, 0), MAX_AMOUNT),
    st.integers(min_value=3, max_value=15),
    st.integers(min_value=-(10**7), max_value=10**7),
)


@pytest.mark.parametrize("language", ["en", "zh-hant"])
@given(value=st.one_of(st.integers(min_value=0, max_value=MAX_AMOUNT), NEAR_A_UNIT))
@example(value=995_000_000)
@example(value=999_995_000)
@example(value=99_995_000)
@example(value=99_999_950)
def test_formatted_amounts_parse_back_within_rounding(language, value):
    parsed = parse_amount(format_amount(value, language))
    if _formats_exactly(value, language):
        assert parsed == value
    else:
        assert abs(parsed - value) <= value / 200


@given(millions=st.integers(min_value=0, max_value=999))
def test_whole_millions_round_trip_in_english(millions):
    value = millions * 10**6
    assert parse_amount(format_amount(value, "en")) == value


@given(value=st.integers(min_value=0, max_value=10**12 // 10**6).map(lambda n: n * 10**6))
def test_multiples_of_a_million_round_trip_in_chinese(value):
    assert parse_amount(format_amount(value, "zh-hant")) == value


@given(value=st.integers(min_value=0, max_value=10**8 // 10**4).map(lambda n: n * 10**4))
def test_whole_ten_thousands_round_trip_in_chinese(value):
    assert parse_amount(format_amount(value, "zh-hant")) == value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5,000萬", 50_000_000),
        ("  30億  ", 3_000_000_000),
        ("HK$100 million", 100_000_000),
        ("0", 0),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_amount_field_cleans_to_int(text, expected):
    assert AmountField(required=False).clean(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "is not an amount of money"),
        ("-5", "cannot be negative"),
        ("0.5", "not a whole number"),
        ("1000000000000001", "too large"),
    ],
)
def test_amount_field_rejects_with_parse_message(text, message):
    with pytest.raises(ValidationError) as caught:
        AmountField(required=False).clean(text)
    assert caught.value.code == "invalid_amount"
    assert message in caught.value.messages[0]


def test_amount_field_required():
    with pytest.raises(ValidationError) as caught:
        AmountField().clean("")
    assert caught.value.code == "required"


def test_amount_field_limits_length():
    field = AmountField(required=False)
    assert field.max_length == MAX_INPUT_LENGTH
    with pytest.raises(ValidationError) as caught:
        field.clean("1" * (MAX_INPUT_LENGTH + 1))
    assert caught.value.code == "max_length"
    with pytest.raises(ValidationError) as caught:
        AmountField(max_length=5, required=False).clean("5,000萬")
    assert caught.value.code == "max_length"


def test_amount_field_widget_lets_chinese_units_be_typed():
    field = AmountField(required=False)
    assert type(field.widget) is forms.TextInput
    attrs = field.widget.attrs
    assert attrs["maxlength"] == str(MAX_INPUT_LENGTH)
    assert "inputmode" not in attrs
    html = field.widget.render("amount_min", "5,000萬")
    assert 'type="text"' in html
    assert 'value="5,000萬"' in html


class AmountFilter(NumberFilter):
    field_class = AmountField


def test_amount_field_works_as_django_filter_number_filter():
    amount_min = AmountFilter(field_name="amount", lookup_expr="gte", required=False)
    assert amount_min.field.clean("5,000萬") == 50_000_000
    assert amount_min.field.clean("") is None
    with pytest.raises(ValidationError):
        amount_min.field.clean("30億abc")


def test_amount_field_in_a_form():
    class SearchForm(forms.Form):
        amount_min = AmountField(required=False)
        amount_max = AmountField(required=False)

    form = SearchForm(data={"amount_min": "5,000萬", "amount_max": ""})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"amount_min": 50_000_000, "amount_max": None}

    form = SearchForm(data={"amount_min": "abc", "amount_max": "30億"})
    assert not form.is_valid()
    assert form.errors.as_data()["amount_min"][0].code == "invalid_amount"
