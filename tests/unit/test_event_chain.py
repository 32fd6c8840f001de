"""The hash chain rule (tracker.rules.event_chain): what is hashed, and what the verifier finds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from tracker.rules import event_chain as ec

T0 = datetime(2026, 3, 1, 2, 3, 4, 567890, tzinfo=UTC)


def _event(i: int, agency_id: int | None = 1, **over) -> dict:
    row = {
        "id": i,
        "agency_id": agency_id,
        "kind": "request.registered",
        "subject_type": "request",
        "subject_id": i,
        "actor_id": 7,
        "created_at": T0 + timedelta(seconds=i),
        "data": {"b": [1, "二"], "a": None},
        "note": None,
    }
    row.update(over)
    return row


def _chained(rows: list[dict]) -> list[dict]:
    heads: dict[int, ec.Head] = {}
    for r in rows:
        chain = ec.chain_of(r["agency_id"])
        r["prev_hash"], r["hash"] = ec.link(heads.setdefault(chain, ec.Head()), chain, r)
    return rows


def _verify(rows: list[dict], heads: dict | None = None) -> ec.Verifier:
    if heads is None:
        heads = {}
        for r in rows:
            c = ec.chain_of(r["agency_id"])
            heads[c] = (heads.get(c, (0, ""))[0] + 1, r["hash"])
    v = ec.Verifier(limits=dict(heads))
    for r in rows:
        v.add(r)
    v.finish(heads)
    return v


def _content(**over) -> dict:
    r = _event(1, **over)
    return {
        "chain": 1,
        "seq": 1,
        "prev_hash": ec.GENESIS,
        **{k: r[k] for k in ec.CONTENT},
    }


def test_the_hash_is_sha256_of_the_canonical_content():
    import hashlib

    c = _content()
    assert ec.event_hash(**c) == hashlib.sha256(ec.canonical(**c)).hexdigest()
    text = ec.canonical(**c).decode()
    assert text.startswith("[1,1,1,") and '"2026-03-01T02:03:05.567890+00:00"' in text and "二" in text


def test_key_order_and_time_zone_and_json_round_trip_do_not_change_the_hash():
    plain = ec.event_hash(**_content())
    assert ec.event_hash(**_content(data={"a": None, "b": (1, "二")})) == plain  # a tuple comes back a list
    beijing = T0.astimezone(timezone(timedelta(hours=8)))
    assert ec.event_hash(**{**_content(), "created_at": beijing + timedelta(seconds=1)}) == plain
    assert ec.event_hash(**_content(data={1: "x"})) == ec.event_hash(**_content(data={"1": "x"}))


def test_every_field_changes_the_hash():
    plain = ec.event_hash(**_content())
    changed = [
        {"chain": 2},
        {"seq": 2},
        {"prev_hash": "f" * 64},
        {"kind": "request.concluded"},
        {"subject_type": "proposal"},
        {"subject_id": 2},
        {"actor_id": None},
        {"created_at": T0},
        {"data": {"b": [1, "二"], "a": 0}},
        {"note": ""},
    ]
    hashes = {ec.event_hash(**{**_content(), **c}) for c in changed}
    assert plain not in hashes and len(hashes) == len(changed)


def test_an_intact_log_verifies_per_chain_including_the_no_agency_chain():
    rows = _chained([_event(1), _event(2, None), _event(3, 2), _event(4), _event(5, None)])
    v = _verify(rows)
    assert not v.breaks and v.checked() == {0: 2, 1: 2, 2: 1}
    assert rows[0]["prev_hash"] == ec.GENESIS and rows[3]["prev_hash"] == rows[0]["hash"]


def test_a_changed_event_is_the_break():
    rows = _chained([_event(i) for i in range(1, 6)])
    heads = {1: (5, rows[-1]["hash"])}
    rows[2]["note"] = "FORGED"
    b = _verify(rows, heads).first_break()
    assert (b.event_id, b.chain, b.kind) == (3, 1, "request.registered") and "改动" in b.reason


def test_a_deleted_event_breaks_at_the_next_one_and_other_chains_still_verify():
    rows = _chained([_event(1), _event(2), _event(3, 2), _event(4), _event(5, 2)])
    heads = {1: (3, rows[3]["hash"]), 2: (2, rows[4]["hash"])}
    del rows[1]
    v = _verify(rows, heads)
    assert v.first_break().event_id == 4 and set(v.breaks) == {1}
    assert v.checked()[2] == 2


def test_events_deleted_at_the_end_of_a_chain_are_found_by_its_head():
    rows = _chained([_event(i) for i in range(1, 4)])
    heads = {1: (3, rows[-1]["hash"])}
    b = _verify(rows[:-1], heads).first_break()
    assert b.event_id is None and "末尾" in b.reason


def test_events_appended_after_the_heads_were_read_are_left_for_the_next_run():
    rows = _chained([_event(i) for i in range(1, 5)])
    v = ec.Verifier(limits={1: (2, rows[1]["hash"])})
    for r in rows:
        v.add(r)
    v.finish({1: (4, rows[-1]["hash"])})
    assert not v.breaks and v.checked() == {1: 2}


def test_a_chain_without_a_head_is_a_break():
    rows = _chained([_event(1, 3)])
    v = ec.Verifier(limits={})
    v.add(rows[0])
    v.finish({})
    assert v.first_break().chain == 3
