import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.rules.fees import (
    FeeMethod,
    FeeQuote,
    fee_for,
    per_page_fee,
    per_request_fee,
    per_request_total,
)


@pytest.mark.parametrize(
    "nth, yuan",
    [
        (1, 0),
        (10, 0),
        (11, 100),
        (30, 100),
        (31, 200),
        (40, 200),
        (41, 300),
        (50, 300),
        (51, 400),
        (60, 400),
        (61, 500),
        (100, 800),
        (101, 900),
    ],
)
def test_per_request_band_edges(nth, yuan):
    assert per_request_fee(nth) == yuan


@pytest.mark.parametrize("bad", [0, -1, 1.5, "3", True, None])
def test_per_request_refuses_bad_ordinals(bad):
    with pytest.raises(ValueError, match="第几件"):
        per_request_fee(bad)


@pytest.mark.parametrize(
    "first, count, yuan",
    [
        (1, 1, 0),
        (1, 10, 0),
        (10, 2, 100),  # 10th free + 11th 100
        (11, 20, 2000),  # 20 × 100
        (29, 3, 400),  # 100 + 100 + 200
        (39, 3, 700),  # 200 + 200 + 300
        (1, 50, 7000),  # 20×100 + 10×200 + 10×300
        (1, 60, 11000),  # + 10×400
        (45, 10, 3400),  # 6×300 + 4×400
    ],
)
def test_per_request_total(first, count, yuan):
    assert per_request_total(first, count) == yuan


@given(first=st.integers(min_value=1, max_value=500), count=st.integers(min_value=1, max_value=300))
def test_per_request_total_equals_sum_of_units(first, count):
    assert per_request_total(first, count) == sum(per_request_fee(first + i) for i in range(count))


def test_per_request_total_refuses_bad_count():
    with pytest.raises(ValueError, match="正整数"):
        per_request_total(1, 0)
    with pytest.raises(ValueError, match="第几件"):
        per_request_total(0, 1)


@pytest.mark.parametrize(
    "pages, yuan",
    [
        (0, 0),
        (1, 0),
        (30, 0),
        (31, 10),
        (100, 700),  # 70 × 10
        (101, 720),  # 700 + 1 × 20
        (200, 2700),  # 700 + 100 × 20
        (201, 2740),  # 2700 + 1 × 40
        (250, 4700),  # 2700 + 50 × 40
    ],
)
def test_per_page_band_edges(pages, yuan):
    assert per_page_fee(pages) == yuan


@given(st.integers(min_value=0, max_value=2000))
def test_per_page_is_progressive(pages):
    # each extra page costs exactly its own band's rate: never a jump back-charging earlier pages
    step = per_page_fee(pages + 1) - per_page_fee(pages)
    n = pages + 1
    assert step == (0 if n <= 30 else 10 if n <= 100 else 20 if n <= 200 else 40)


@pytest.mark.parametrize("bad", [-1, 2.0, "10", None])
def test_per_page_refuses_bad_pages(bad):
    with pytest.raises(ValueError, match="页数"):
        per_page_fee(bad)


def test_method_labels():
    assert FeeMethod("per_request") is FeeMethod.PER_REQUEST
    assert FeeMethod.PER_REQUEST.label == "按件计收"
    assert FeeMethod.PER_PAGE.label == "按量计收"


def test_fee_for_per_request_explains_bands():
    quote = fee_for("per_request", nth_in_month=12)
    assert isinstance(quote, FeeQuote)
    assert quote.amount_yuan == 100
    assert quote.method is FeeMethod.PER_REQUEST
    assert "第12件" in quote.explanation[0] and "国办函〔2020〕109号" in quote.explanation[0]
    assert quote.explanation[-1] == "合计：100元"


def test_fee_for_split_request_lists_each_band():
    quote = fee_for(FeeMethod.PER_REQUEST, nth_in_month=9, units=25)  # requests 9–33
    assert quote.amount_yuan == 20 * 100 + 3 * 200
    assert quote.explanation[1:] == [
        "第9—10件：本自然月前10件免费",
        "第11—30件：20件×100元=2000元",
        "第31—33件：3件×200元=600元",
        "合计：2600元",
    ]


def test_fee_for_free_request():
    quote = fee_for("per_request", nth_in_month=3)
    assert quote.amount_yuan == 0
    assert quote.explanation[-1] == "合计：0元（免费）"


def test_fee_for_per_page_explains_bands():
    quote = fee_for("per_page", pages=150)
    assert quote.amount_yuan == 700 + 50 * 20
    assert quote.method is FeeMethod.PER_PAGE
    assert quote.explanation == [
        "按量计收（《政府信息公开信息处理费管理办法》（国办函〔2020〕109号））：共150页",
        "第1—30页：免费",
        "第31—100页：70页×10元=700元",
        "第101—150页：50页×20元=1000元",
        "合计：1700元",
    ]


def test_fee_for_refuses_both_methods_at_once():
    with pytest.raises(ValueError, match="只能选择其一"):
        fee_for("per_request", nth_in_month=12, pages=40)
    with pytest.raises(ValueError, match="只能选择其一"):
        fee_for("per_page", nth_in_month=12, pages=40)


def test_fee_for_missing_or_wrong_inputs():
    with pytest.raises(ValueError, match="第几件"):
        fee_for("per_request")
    with pytest.raises(ValueError, match="页数"):
        fee_for("per_page")
    with pytest.raises(ValueError, match="收费方式无效"):
        fee_for("per_kilo", pages=3)
    with pytest.raises(ValueError, match="拆分件数只适用于按件计收"):
        fee_for("per_page", pages=40, units=2)
    with pytest.raises(ValueError, match="页数"):
        fee_for("per_page", pages=-5)
