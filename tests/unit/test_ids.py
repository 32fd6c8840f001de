from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.rules.ids import (
    ID_TYPES,
    id_number_error,
    normalize_id,
    resident_id_check_char,
    resident_id_error,
    uscc_check_char,
    uscc_error,
)

TODAY = date(2026, 6, 1)

# Worked by hand: 1·7+1·9+0·10+1·5+0·8+5·4+1·2+9·1+4·6+9·3+1·7+2·9+3·10+1·5+0·8+0·4+2·2 = 167,
# 167 mod 11 = 2, "10X98765432"[2] = "X". It is also the example printed in GB 11643-1999.
VALID_RESIDENT_IDS = [
    "11010519491231002X",
    "440524188001010014",  # the standard's second example (born 1880)
    "320106198802141230",  # 0 by the same computation
    "510107200506115670",
    "330102199912312345",
]
VALID_USCC = [
    "91350100M000100Y43",  # the example used in GB 32100 guidance
    "91110108551385082Q",
    "91310000MA1FL8KX4N",
    "12100000400012345P",
    "52110000MJ00000016",
]


@pytest.mark.parametrize("number", VALID_RESIDENT_IDS)
def test_valid_resident_ids(number):
    assert resident_id_error(number, TODAY) is None


def test_check_char_worked_example():
    assert resident_id_check_char("11010519491231002") == "X"
    assert resident_id_check_char("32010619880214123") == "0"


def test_lowercase_x_spaces_and_full_width_are_accepted():
    assert resident_id_error("11010519491231002x", TODAY) is None
    assert resident_id_error("  110105 19491231 002x ", TODAY) is None
    assert resident_id_error("１１０１０５１９４９１２３１００２Ｘ", TODAY) is None
    assert normalize_id(" 11010519491231002x\n") == "11010519491231002X"
    assert normalize_id(None) == ""


def test_wrong_check_char_names_the_right_one():
    assert resident_id_error("110105194912310021", TODAY) == "身份证号码校验位不正确：第18位应为X，请核对号码"
    assert resident_id_error("320106198802141231", TODAY) == "身份证号码校验位不正确：第18位应为0，请核对号码"


@pytest.mark.parametrize(
    "number, fragment",
    [
        ("", "请填写"),
        ("   ", "请填写"),
        ("1101051949123100", "应为18位"),
        ("1101051949123100211", "现在是19位"),
        ("11010519491231A02X", "第15位“A”不是数字"),
        ("11010519491231002Y", "第18位应为数字或X"),
        ("110105199902310025", "“19990231”不是真实存在的日期"),
        ("110105199913010025", "“19991301”不是真实存在的日期"),
        ("110105203001010025", "“20300101”晚于今天"),
        ("110105170001010025", "早于1800年"),
        ("1101054912310A2", "15位旧身份证号码应全部为数字，第14位“A”"),
        ("110105490231002", "第7—12位的出生日期“19490231”"),
    ],
)
def test_resident_id_errors(number, fragment):
    message = resident_id_error(number, TODAY)
    assert message is not None and fragment in message, message
    assert "请" in message  # every message says what to do


def test_birth_date_today_is_fine_tomorrow_is_not():
    first = "110105" + TODAY.strftime("%Y%m%d") + "002"
    assert resident_id_error(first + resident_id_check_char(first), TODAY) is None
    tomorrow = TODAY + timedelta(days=1)
    first = "110105" + tomorrow.strftime("%Y%m%d") + "002"
    assert "晚于今天" in resident_id_error(first + resident_id_check_char(first), TODAY)


def test_legacy_15_digit_numbers():
    assert resident_id_error("110105491231002", TODAY) is None
    assert resident_id_error("130503670401001", TODAY) is None


def test_today_defaults_to_china_date():
    assert resident_id_error("11010519491231002X") is None


@given(
    region=st.integers(min_value=0, max_value=999999),
    born=st.dates(min_value=date(1800, 1, 1), max_value=TODAY),
    seq=st.integers(min_value=0, max_value=999),
    wrong=st.sampled_from("0123456789X"),
)
def test_property_computed_check_char_validates_any_other_fails(region, born, seq, wrong):
    first17 = f"{region:06d}{born:%Y%m%d}{seq:03d}"
    right = resident_id_check_char(first17)
    assert resident_id_error(first17 + right, TODAY) is None
    if wrong != right:
        assert resident_id_error(first17 + wrong, TODAY) == f"身份证号码校验位不正确：第18位应为{right}，请核对号码"


@pytest.mark.parametrize("code", VALID_USCC)
def test_valid_uscc(code):
    assert uscc_error(code) is None
    assert uscc_error(code.lower()) is None


def test_uscc_check_char_by_hand():
    # 9·1+1·3+3·9+5·27+0·19+1·26+0·16+0·17+M(21)·20+0·29+0·25+0·13+1·8+0·24+0·10+Y(30)·30+4·28 = 1640,
    # 1640 mod 31 = 28, 31 − 28 = 3.
    assert uscc_check_char("91350100M000100Y4") == "3"


@pytest.mark.parametrize(
    "code, fragment",
    [
        ("", "请填写统一社会信用代码"),
        ("91350100M000100Y4", "应为18位，现在是17位"),
        ("91350100M000100Y43X", "现在是19位"),
        ("91350100I000100Y43", "第9位“I”不是有效字符"),
        ("9135010OM000100Y43", "第8位“O”不是有效字符"),
        ("91350100M000100Y4-", "第18位“-”不是有效字符"),
        ("91350100M000100Y44", "校验位不正确：第18位应为3"),
    ],
)
def test_uscc_errors(code, fragment):
    message = uscc_error(code)
    assert message is not None and fragment in message, message
    assert "请" in message


@given(
    body=st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=17, max_size=17),
    wrong=st.sampled_from("0123456789ABCDEFGHJKLMNPQRTUWXY"),
)
def test_property_uscc(body, wrong):
    right = uscc_check_char(body)
    assert uscc_error(body + right) is None
    if wrong != right:
        assert uscc_error(body + wrong) == f"统一社会信用代码校验位不正确：第18位应为{right}，请核对代码"


def test_check_char_helpers_refuse_bad_input():
    with pytest.raises(ValueError):
        resident_id_check_char("1234")
    with pytest.raises(ValueError):
        uscc_check_char("I" * 17)


def test_id_types():
    assert list(ID_TYPES) == [
        "resident_id",
        "uscc",
        "passport",
        "hk_macao_permit",
        "taiwan_permit",
        "foreign_permanent_resident",
        "other",
        "none",
    ]
    assert ID_TYPES["resident_id"] == "居民身份证"
    assert ID_TYPES["uscc"] == "统一社会信用代码"
    assert ID_TYPES["hk_macao_permit"] == "港澳居民来往内地通行证"
    assert ID_TYPES["taiwan_permit"] == "台湾居民来往大陆通行证"
    assert ID_TYPES["foreign_permanent_resident"] == "外国人永久居留身份证"
    assert ID_TYPES["none"] == "无"


def test_id_number_error_dispatch():
    assert id_number_error("resident_id", "11010519491231002x", today=TODAY) is None
    assert "校验位" in id_number_error("resident_id", "110105194912310021", today=TODAY)
    assert "请填写号码" in id_number_error("resident_id", "", today=TODAY)
    assert "“无”" in id_number_error("resident_id", None, today=TODAY)
    assert id_number_error("uscc", "91350100m000100y43") is None
    assert "校验位" in id_number_error("uscc", "91350100M000100Y44")
    assert "请填写代码" in id_number_error("uscc", " ")
    assert id_number_error("passport", "E12345678") is None
    assert "请填写证件号码" in id_number_error("passport", "")
    assert "请填写证件号码" in id_number_error("hk_macao_permit", None)
    assert id_number_error("none", "") is None
    assert id_number_error("none", None) is None
    assert id_number_error("other", "") is None
    assert id_number_error("other", "军官证 12345") is None
    assert id_number_error("passport", "A" * 50) is None
    assert "最多50个字符" in id_number_error("passport", "A" * 51)
    assert "最多50个字符" in id_number_error("other", "1" * 60)
    assert "证件类型无效" in id_number_error("driver_licence", "123")


@given(id_type=st.sampled_from(sorted(ID_TYPES)), value=st.none() | st.text(max_size=80))
def test_any_input_gives_none_or_a_message_never_an_exception(id_type, value):
    message = id_number_error(id_type, value, today=TODAY)
    assert message is None or ("请" in message and len(message) < 120)
