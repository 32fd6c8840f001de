"""Art. 31(三): a request through the online platform is received on the day both sides confirmed it,
as a date in China time whatever zone the platform wrote."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from tracker.rules import intake


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        (datetime(2026, 11, 30, 10, 15, tzinfo=timezone(timedelta(hours=8))), date(2026, 11, 30)),
        (datetime(2026, 11, 30, 0, 5, tzinfo=timezone(timedelta(hours=8))), date(2026, 11, 30)),
        (datetime(2026, 11, 29, 16, 0, tzinfo=UTC), date(2026, 11, 30)),  # midnight in Beijing
        (datetime(2026, 11, 29, 15, 59, 59, tzinfo=UTC), date(2026, 11, 29)),
        (datetime(2026, 11, 29, 23, 0, tzinfo=timezone(timedelta(hours=-5))), date(2026, 11, 30)),
    ],
)
def test_the_receipt_date_is_the_confirmation_day_in_china(moment, day):
    assert intake.online_receipt_date(moment) == day


def test_a_moment_without_its_zone_is_refused():
    with pytest.raises(ValueError):
        intake.online_receipt_date(datetime(2026, 11, 30, 10, 15))


def test_the_rule_names_its_source_and_the_channel_agrees():
    assert intake.ONLINE_RECEIPT_SOURCE == "《中华人民共和国政府信息公开条例》第三十一条第（三）项"
    assert "双方确认之日" in intake.channel("online").receipt_rule
    text = intake.online_receipt_explanation(datetime(2026, 11, 29, 16, 30, tzinfo=UTC))
    assert "2026年11月30日 00:30（北京时间）" in text and intake.ONLINE_RECEIPT_SOURCE in text
