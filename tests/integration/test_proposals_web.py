"""The proposals pages through real forms (CSRF on): registration, each action, errors, and isolation."""

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tracker.attachments import Attachment
from tracker.audit import Event
from tracker.extensions import db
from tracker.proposals import services as svc
from tracker.proposals.models import Proposal, ProposalContact, ProposalExtension, ProposalReply
from tracker.rules.clock import today_cn

from .proposal_helpers import UserClient, make_org


@pytest.fixture()
def org(make_section, make_user):
    return make_org(make_section, make_user)


def reg_form(org, **over):
    data = {
        "kind": "npc",
        "session": "区十九届人大三次会议",
        "number": "0015",
        "title": "关于增设社区养老服务站的建议",
        "content": "建议在各街道增设……",
        "lead_author": "王代表",
        "cosigners": "赵代表、钱代表",
        "assigned_on": (today_cn() - timedelta(days=20)).isoformat(),
        "lead_section_id": str(org["A"].id),
        "assist_section_ids": [str(org["B"].id)],
        "joint_section_ids": [],
    }
    data.update(over)
    return data


def post(uc, url, data, **kw):
    return uc.post(url, data={"csrf_token": uc.token(), **data}, **kw)


def proposal_events(p):
    return db.session.scalars(
        select(Event).where(Event.subject_type == "proposal", Event.subject_id == p.id).order_by(Event.id)
    ).all()


def test_register_through_the_form_with_attachment(app, org):
    office = UserClient(app, org["office"])
    page = office.get("/proposals/new").get_data(as_text=True)
    assert "登记人大代表建议" in page and "投资科" in page
    resp = post(
        office,
        "/proposals/new",
        {**reg_form(org), "attachment": (io.BytesIO(b"%PDF-1.4 x"), "建议原件.pdf")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    p = db.session.scalars(select(Proposal)).one()
    assert p.cosigners == "赵代表、钱代表" and [c.section_id for c in p.cohandlers] == [org["B"].id]
    html = office.get(resp.headers["Location"]).get_data(as_text=True)
    assert "关于增设社区养老服务站的建议" in html and "建议原件.pdf" in html and "登记建议提案" in html
    assert "期限计算过程" in html and "办理期限" in html
    # The list shows it; the nav has the link.
    listing = office.get("/proposals/").get_data(as_text=True)
    assert "0015" in listing and 'href="/proposals/">建议提案</a>' in listing


@pytest.mark.parametrize(
    "field,value,message",
    [
        # two days ahead: computed when the tests are collected, it must stay in the future even if the run
        # crosses midnight in China (16:00 UTC)
        ("assigned_on", (today_cn() + timedelta(days=2)).isoformat(), "晚于今天"),
        ("assigned_on", "2026-13-40", "日期格式不正确"),
        ("assigned_on", "", "请填写交办日期"),
        ("title", "", "请填写标题"),
        ("kind", "xyz", "请选择类型"),
        ("lead_section_id", "", "请选择主办科室"),
        ("lead_section_id", "abc", "请选择主办科室"),
        ("session", "届" * 61, "不能超过60个字"),
    ],
)
def test_register_bad_input_shows_chinese_message_and_writes_nothing(app, org, field, value, message):
    office = UserClient(app, org["office"])
    resp = post(office, "/proposals/new", reg_form(org, **{field: value}))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and message in html, html[:3000]
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 0


def test_register_duplicate_and_cohandler_errors_on_the_form(app, org):
    office = UserClient(app, org["office"])
    html = post(office, "/proposals/new", reg_form(org, assist_section_ids=[str(org["A"].id)])).get_data(as_text=True)
    assert "不能同时是协办" in html
    assert post(office, "/proposals/new", reg_form(org)).status_code == 302
    html = post(office, "/proposals/new", reg_form(org)).get_data(as_text=True)
    assert "已经登记过" in html
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 1


def make_item(org, **over):
    data = {
        "kind": "npc",
        "session": "区十九届人大三次会议",
        "number": "0020",
        "title": "关于规范停车收费的建议",
        "lead_author": "孙代表",
        "assigned_on": today_cn() - timedelta(days=30),
        "lead_section_id": org["A"].id,
        "assist_section_ids": [org["B"].id],
    }
    data.update(over)
    return svc.register_proposal(org["office"], data)


def test_handling_through_the_pages(app, org):
    p = make_item(org)
    staff, co, leader = UserClient(app, org["staff_A"]), UserClient(app, org["staff_B"]), UserClient(app, org["leader"])
    url = f"/proposals/{p.id}"
    today = today_cn()
    html = staff.get(url).get_data(as_text=True)
    for title in ("登记与代表的沟通情况", "登记第1次答复", "申请延期办理"):
        assert title in html
    assert "提交协办意见" not in html and "本轮尚未登记与代表的沟通情况" in html

    # The co-handler sees the item and only the opinion form.
    html = co.get(url).get_data(as_text=True)
    assert "提交协办意见" in html and "登记第1次答复" not in html and "登记与代表的沟通情况" not in html
    resp = post(
        co,
        f"{url}/opinion",
        {"version": p.version, "opinion": "同意", "opinion_on": today.isoformat(), "opinion_section": ""},
    )
    assert resp.status_code == 302
    db.session.expire_all()

    # Reply before contact: refused on the page, nothing written.
    resp = post(staff, f"{url}/reply", {"version": p.version, "result_class": "A", "reply_date": today.isoformat()})
    assert resp.status_code == 200 and "答复前须先与代表沟通" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ProposalReply)) == 0

    # Stale version: refused with 已被他人修改.
    resp = post(
        staff, f"{url}/contact", {"version": p.version - 1, "contact_form": "phone", "contacted_on": today.isoformat()}
    )
    assert "已被他人修改" in resp.get_data(as_text=True)
    db.session.expire_all()
    resp = post(
        staff,
        f"{url}/contact",
        {
            "version": p.version,
            "contact_form": "meeting",
            "contacted_on": today.isoformat(),
            "contact_note": "当面听取意见",
        },
    )
    assert resp.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(ProposalContact)) == 1

    # Extension request and the leader's approval.
    db.session.expire_all()
    resp = post(staff, f"{url}/extension", {"version": p.version, "to_months": "5", "extension_reason": "需跨部门协调"})
    assert resp.status_code == 302
    db.session.expire_all()
    ext = db.session.scalars(select(ProposalExtension)).one()
    html = leader.get(url).get_data(as_text=True)
    assert "审批延期申请" in html and "需跨部门协调" in html
    resp = post(leader, f"{url}/extensions/{ext.id}/decide", {"version": p.version, "decision": "approve"})
    assert resp.status_code == 302
    db.session.expire_all()
    p = db.session.get(Proposal, p.id)
    assert p.extended_months == 5

    # Reply with a document, publication, feedback 不满意 -> re-handling.
    resp = post(
        staff,
        f"{url}/reply",
        {
            "version": p.version,
            "result_class": "B",
            "reply_date": today.isoformat(),
            "reply_summary": "已列入明年计划",
            "reply_document": (io.BytesIO(b"%PDF-1.4 r"), "答复函.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    db.session.expire_all()
    p = db.session.get(Proposal, p.id)
    resp = post(
        staff,
        f"{url}/publish",
        {
            "version": p.version,
            "published": "1",
            "published_on": today.isoformat(),
            "publish_link": "https://www.example.gov.cn/jyta/20.html",
        },
    )
    assert resp.status_code == 302
    db.session.expire_all()
    p = db.session.get(Proposal, p.id)
    resp = post(
        staff,
        f"{url}/feedback",
        {
            "version": p.version,
            "satisfaction": "unsatisfied",
            "feedback_on": today.isoformat(),
            "feedback_note": "希望尽快实施",
        },
    )
    assert resp.status_code == 302
    db.session.expire_all()
    p = db.session.get(Proposal, p.id)
    assert p.status == "rehandling" and p.round == 2 and p.due_date > today
    html = staff.get(url).get_data(as_text=True)
    assert "第2轮办理" in html and "登记第2次答复" in html and "答复函.pdf" in html
    assert "https://www.example.gov.cn/jyta/20.html" in html and "不满意，重新办理" in html
    kinds = [e.kind for e in proposal_events(p)]
    assert kinds == [
        "proposal.registered",
        "proposal.opinion_submitted",
        "proposal.contact_recorded",
        "proposal.extension_requested",
        "proposal.extension_approved",
        "proposal.replied",
        "proposal.published",
        "proposal.feedback_recorded",
        "proposal.rehandling_started",
    ]


def test_bad_dates_on_action_forms(app, org):
    p = make_item(org)
    staff = UserClient(app, org["staff_A"])
    url = f"/proposals/{p.id}"
    for data, message in [
        ({"contacted_on": "31/12/2026"}, "日期格式不正确"),
        ({"contacted_on": (today_cn() + timedelta(days=2)).isoformat()}, "晚于今天"),
        ({"contacted_on": (p.assigned_on - timedelta(days=1)).isoformat()}, "早于交办日期"),
        ({"contacted_on": ""}, "请填写沟通日期"),
    ]:
        resp = post(staff, f"{url}/contact", {"version": p.version, "contact_form": "phone", **data})
        assert resp.status_code == 200 and message in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ProposalContact)) == 0


def test_result_label_settings_page(app, org):
    office = UserClient(app, org["office"])
    resp = post(office, "/proposals/settings", {"A": "已解决", "B": "", "C": "需以后解决", "D": "参考"})
    assert "请填写B类的名称" in resp.get_data(as_text=True)
    resp = post(office, "/proposals/settings", {"A": "已解决", "B": "正在解决", "C": "需以后解决", "D": "参考"})
    assert resp.status_code == 302
    p = make_item(org)
    svc.record_contact(org["staff_A"], p, {"form": "phone", "contacted_on": today_cn()}, version=p.version)
    html = UserClient(app, org["staff_A"]).get(f"/proposals/{p.id}").get_data(as_text=True)
    assert "A类（已解决）" in html
    assert UserClient(app, org["staff_A"]).get("/proposals/settings").status_code == 403


# --- isolation: every URL, every role -------------------------------------------------------

ITEM_GETS = ["/proposals/{id}", "/proposals/{id}/edit", "/proposals/{id}/attachments/{att}"]
ITEM_POSTS = [
    "/proposals/{id}/edit",
    "/proposals/{id}/contact",
    "/proposals/{id}/opinion",
    "/proposals/{id}/reply",
    "/proposals/{id}/publish",
    "/proposals/{id}/feedback",
    "/proposals/{id}/extension",
    "/proposals/{id}/extensions/{ext}/decide",
    "/proposals/{id}/attachments",
]


@pytest.fixture()
def isolated(org, make_user, make_section):
    """Item X: lead 投资科 (A), co-handler 价格科 (B), with an attachment and a pending extension."""
    from tracker.accounts import services as accounts
    from tracker.accounts.models import Agency

    p = make_item(org)
    att = svc.add_attachment(org["office"], p, svc.Upload("说明.pdf", b"%PDF-1.4"), version=p.version)
    ext = svc.request_extension(org["staff_A"], p, {"to_months": 4, "reason": "复杂"}, version=p.version)
    other = Agency(name="另一个机关", settings={})
    db.session.add(other)
    db.session.commit()
    stranger = make_user("office", ag=other)
    stranger_staff = make_user("staff", section=accounts.create_section("投资科", agency=other), ag=other)
    return {"p": p, "att": att.id, "ext": ext.id, "stranger": stranger, "stranger_staff": stranger_staff}


def _fill(url, ids):
    return url.format(**ids)


def test_users_who_cannot_see_the_item_get_exactly_what_a_missing_item_gives(app, org, isolated):
    p = isolated["p"]
    real = {"id": p.id, "att": isolated["att"], "ext": isolated["ext"]}
    missing = {"id": 999999, "att": isolated["att"], "ext": isolated["ext"]}
    version_before = p.version
    for user in (org["staff_C"], isolated["stranger"], isolated["stranger_staff"]):
        uc = UserClient(app, user)
        token = uc.token()
        for url in ITEM_GETS:
            a, b = uc.get(_fill(url, real)), uc.get(_fill(url, missing))
            assert a.status_code == b.status_code and a.status_code in (403, 404), (user.username, url, a.status_code)
            if url == "/proposals/{id}":
                assert a.status_code == 404
        for url in ITEM_POSTS:
            data = {
                "csrf_token": token,
                "version": str(p.version),
                "contact_form": "phone",
                "contacted_on": today_cn().isoformat(),
                "opinion": "x",
                "opinion_on": today_cn().isoformat(),
                "decision": "approve",
            }
            a, b = uc.post(_fill(url, real), data=data), uc.post(_fill(url, missing), data=data)
            assert a.status_code == b.status_code and a.status_code in (403, 404), (user.username, url, a.status_code)
        # Lists, summary and export never show it.
        assert "0020" not in uc.get("/proposals/").get_data(as_text=True)
        assert 'data-figure="total">0<' in uc.get(f"/proposals/summary?year={p.assigned_on.year}").get_data(
            as_text=True
        )
    db.session.expire_all()
    assert db.session.get(Proposal, p.id).version == version_before
    assert db.session.scalar(select(func.count()).select_from(ProposalContact)) == 0


EXPECTED = {
    # role key: {action url: expected status}; 302 = done, 200 = refused on the page with a message.
    "office": {"contact": 302, "decide": 403, "edit_get": 200, "detail": 200},
    "leader": {"contact": 403, "decide": 302, "edit_get": 403, "detail": 200},
    "admin": {"contact": 403, "decide": 403, "edit_get": 200, "detail": 200},
    "staff_A": {"contact": 302, "decide": 403, "edit_get": 403, "detail": 200},
    "head_A": {"contact": 302, "decide": 403, "edit_get": 403, "detail": 200},
    "staff_B": {"contact": 403, "decide": 403, "edit_get": 403, "detail": 200},
}


@pytest.mark.parametrize("who", list(EXPECTED))
def test_each_role_on_a_visible_item(app, org, isolated, who):
    p = isolated["p"]
    uc = UserClient(app, org[who])
    exp = EXPECTED[who]
    assert uc.get(f"/proposals/{p.id}").status_code == exp["detail"]
    assert uc.get(f"/proposals/{p.id}/edit").status_code == exp["edit_get"]
    assert uc.get(f"/proposals/{p.id}/attachments/{isolated['att']}").status_code == 200
    token = uc.token()
    today = today_cn().isoformat()
    resp = uc.post(
        f"/proposals/{p.id}/contact",
        data={"csrf_token": token, "version": str(p.version), "contact_form": "phone", "contacted_on": today},
    )
    assert resp.status_code == exp["contact"]
    db.session.expire_all()
    p = db.session.get(Proposal, p.id)
    resp = uc.post(
        f"/proposals/{p.id}/extensions/{isolated['ext']}/decide",
        data={"csrf_token": token, "version": str(p.version), "decision": "approve"},
    )
    assert resp.status_code == exp["decide"]
    # Everything only the lead section does is refused to the co-handler with 403, never done.
    if who == "staff_B":
        for action in ("reply", "publish", "feedback", "extension", "attachments"):
            r = uc.post(
                f"/proposals/{p.id}/{action}",
                data={"csrf_token": token, "version": str(p.version), "result_class": "A", "reply_date": today},
            )
            assert r.status_code == 403, action
        assert db.session.scalar(select(func.count()).select_from(ProposalReply)) == 0


def test_unknown_item_and_register_page_permissions(app, org):
    staff = UserClient(app, org["staff_A"])
    assert staff.get("/proposals/new").status_code == 403
    assert staff.get("/proposals/424242").status_code == 404
    assert staff.get("/proposals/").status_code == 200
    anon = app.test_client()
    UserClient._fresh()  # no user left in g by the requests above
    assert anon.get("/proposals/").status_code == 302


PAGES = {
    # role key: expected status of /proposals/new, /settings, /export, /summary, / (GET)
    "office": (200, 200, 200, 200, 200),
    "admin": (200, 200, 200, 200, 200),
    "leader": (403, 403, 200, 200, 200),
    "head_A": (403, 403, 200, 200, 200),
    "staff_A": (403, 403, 403, 200, 200),
}


@pytest.mark.parametrize("who", list(PAGES))
def test_pages_without_an_item_for_each_role(app, org, who):
    uc = UserClient(app, org[who])
    urls = ["/proposals/new", "/proposals/settings", "/proposals/export?year=2026", "/proposals/summary", "/proposals/"]
    assert tuple(uc.get(u).status_code for u in urls) == PAGES[who]
    token = uc.token()
    expected_post = 200 if PAGES[who][0] == 200 else 403  # an empty registration: refused with messages
    assert uc.post("/proposals/new", data={"csrf_token": token}).status_code == expected_post
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 0


def test_a_refused_stale_form_keeps_the_input_and_shows_what_changed(app, org):
    """Two tabs on the same item: the second, sent after the first saved, keeps what it typed and lists
    the change made meanwhile (who, when, what); sent again from the refused page, it is a decision."""
    import re

    p = make_item(org)
    url = f"/proposals/{p.id}"
    first, second = UserClient(app, org["staff_A"]), UserClient(app, org["staff_A"])
    page = second.get(url).get_data(as_text=True)
    seen = re.search(r'name="seen" value="(\d+)"', page).group(1)
    loaded = re.search(r'name="version" value="(\d+)"', page).group(1)
    today = today_cn().isoformat()
    contact = {"version": loaded, "contact_form": "meeting", "contacted_on": today}
    assert post(first, f"{url}/contact", contact).status_code == 302
    typed = {"version": loaded, "seen": seen, "extension_reason": "第二个标签页填写的延期理由", "to_months": "4"}
    resp = post(second, f"{url}/extension", typed)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409 and "第二个标签页填写的延期理由" in html
    changed = html.split('id="changed-meanwhile"', 1)[1].split("</div>", 1)[0]
    assert "已被他人修改" in changed and "登记与代表委员沟通情况" in changed and "见面沟通" in changed
    assert org["staff_A"].display_name in changed
    db.session.expire_all()
    assert db.session.get(type(p), p.id).pending_extension is None
    version = re.search(r'name="version" value="(\d+)"', html.split('id="extension"', 1)[1]).group(1)
    resp = post(second, f"{url}/extension", {**typed, "version": version})
    assert resp.status_code == 302


def test_two_tabs_editing_the_registration(app, org):
    import re

    p = make_item(org)
    url = f"/proposals/{p.id}/edit"
    first, second = UserClient(app, org["office"]), UserClient(app, org["office"])
    page = second.get(url).get_data(as_text=True)
    loaded = {n: re.search(rf'name="{n}" value="(\d+)"', page).group(1) for n in ("version", "seen")}
    base = reg_form(org, number="0020", title="关于规范停车收费的建议", lead_author="孙代表")
    base["assigned_on"] = (today_cn() - timedelta(days=30)).isoformat()
    assert post(first, url, {**base, **loaded, "title": "第一人改的标题"}).status_code == 302
    resp = post(second, url, {**base, **loaded, "content": "第二人补充的内容"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409 and "第二人补充的内容" in html
    changed = html.split('id="changed-meanwhile"', 1)[1].split("</div>", 1)[0]
    assert "标题 关于规范停车收费的建议 → 第一人改的标题" in changed
    again = {n: re.search(rf'name="{n}" value="(\d+)"', html).group(1) for n in ("version", "seen")}
    assert (
        post(second, url, {**base, **again, "title": "第一人改的标题", "content": "第二人补充的内容"}).status_code
        == 302
    )


def test_the_file_of_a_refused_proposal_form_is_kept(app, org):
    import io
    import re

    office = UserClient(app, org["office"])
    data = reg_form(org, title="")
    data["attachment"] = (io.BytesIO(b"%PDF proposal"), "建议原件.pdf")
    html = post(office, "/proposals/new", data, content_type="multipart/form-data").get_data(as_text=True)
    assert "已保留您选择的文件" in html and "建议原件.pdf" in html
    token = re.search(r'name="attachment_kept" value="([^"]+)"', html).group(1)
    assert post(office, "/proposals/new", reg_form(org, attachment_kept=token)).status_code == 302
    att = db.session.scalars(select(Attachment).where(Attachment.subject_type == "proposal")).one()
    assert att.original_name == "建议原件.pdf"

    # an action form of the item: the reply document survives a refused reply
    p = db.session.scalars(select(Proposal)).one()
    staff = UserClient(app, org["staff_A"])
    reply = {"version": p.version, "result_class": "A", "reply_date": "2000-01-01"}
    reply["reply_document"] = (io.BytesIO(b"%PDF reply"), "答复函.pdf")
    html = post(staff, f"/proposals/{p.id}/reply", reply, content_type="multipart/form-data").get_data(as_text=True)
    assert "答复函.pdf" in html and 'name="reply_document_kept"' in html
