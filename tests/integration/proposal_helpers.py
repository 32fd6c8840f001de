"""A known set of NPC/CPPCC items, built through the services, whose yearly figures are worked out by hand
in test_proposals_summary.py (see the table there)."""

from datetime import date as D

from tracker.proposals import services as svc

NPC_SESSION = "区十九届人大三次会议"
CPPCC_SESSION = "区政协十五届三次会议"


def make_org(make_section, make_user):
    a, b, c = make_section("投资科"), make_section("价格科"), make_section("能源科")
    return {
        "A": a,
        "B": b,
        "C": c,
        "office": make_user("office"),
        "leader": make_user("leader"),
        "admin": make_user("admin"),
        "staff_A": make_user("staff", section=a),
        "staff_B": make_user("staff", section=b),
        "staff_C": make_user("staff", section=c),
        "head_A": make_user("section_head", section=a),
    }


def register(org, kind, number, lead, assigned, cohandlers=(), title=None, author="张代表"):
    session = NPC_SESSION if kind == "npc" else CPPCC_SESSION
    return svc.register_proposal(
        org["office"],
        {
            "kind": kind,
            "session": session,
            "number": number,
            "title": title or f"{kind}第{number}号的标题",
            "lead_author": author,
            "assigned_on": assigned,
            "lead_section_id": org[lead].id,
            "assist_section_ids": [org[s].id for s in cohandlers],
        },
        today=assigned,
    )


def contact(org, p, on, who):
    svc.record_contact(org[who], p, {"form": "phone", "contacted_on": on}, version=p.version, today=on)


def reply(org, p, on, cls, who):
    svc.reply(org[who], p, {"result_class": cls, "reply_date": on}, version=p.version, today=on)


def feedback(org, p, on, sat):
    svc.record_feedback(org["office"], p, {"satisfaction": sat, "feedback_on": on}, version=p.version, today=on)


def known_items(org) -> dict:
    """Six items assigned in 2026 and one in 2025 (see test_proposals_summary.py for the figures)."""
    items = {}
    # 1: on time (due 06-02), A, 满意.
    p = items[1] = register(org, "npc", "1", "A", D(2026, 3, 2), cohandlers=["B"], title="关于加快老旧小区改造的建议")
    contact(org, p, D(2026, 3, 10), "staff_A")
    reply(org, p, D(2026, 5, 20), "A", "staff_A")
    feedback(org, p, D(2026, 5, 28), "satisfied")
    # 2: late (06-05 > 06-02), B, 基本满意.
    p = items[2] = register(org, "npc", "2", "A", D(2026, 3, 2))
    contact(org, p, D(2026, 3, 10), "staff_A")
    reply(org, p, D(2026, 6, 5), "B", "staff_A")
    feedback(org, p, D(2026, 6, 10), "basically")
    # 3: C then 不满意 -> re-handled (due 06-10), second reply B on time, 满意.
    p = items[3] = register(org, "npc", "3", "B", D(2026, 3, 2))
    contact(org, p, D(2026, 3, 12), "staff_B")
    reply(org, p, D(2026, 5, 1), "C", "staff_B")
    feedback(org, p, D(2026, 5, 10), "unsatisfied")
    contact(org, p, D(2026, 5, 12), "staff_B")
    reply(org, p, D(2026, 6, 1), "B", "staff_B")
    feedback(org, p, D(2026, 6, 5), "satisfied")
    # 4: D on time, published, no feedback yet.
    p = items[4] = register(org, "cppcc", "1", "B", D(2026, 3, 2), author="刘委员")
    contact(org, p, D(2026, 3, 15), "staff_B")
    reply(org, p, D(2026, 5, 30), "D", "staff_B")
    svc.set_publication(
        org["staff_B"], p, {"published": True, "published_on": D(2026, 6, 3)}, version=p.version, today=D(2026, 6, 3)
    )
    # 5: open, no contact, due 2026-06-02: overdue. 价格科 co-handles it.
    items[5] = register(org, "cppcc", "2", "C", D(2026, 3, 2), cohandlers=["B"], author="刘委员")
    # 6: open, contacted, due 2027-01-11: pending on 2026-11-25.
    p = items[6] = register(org, "cppcc", "3", "C", D(2026, 10, 9), author="周委员")
    contact(org, p, D(2026, 10, 12), "staff_C")
    # 7: another year.
    items[7] = register(org, "npc", "9", "A", D(2025, 4, 1))
    return items


class UserClient:
    """A test client logged in as one user. Several can be used in one test.

    The tests run inside one pushed app context, which every request reuses, so ``g`` would carry the
    previous request's user (Flask-Login) and CSRF token (Flask-WTF) over to another client; each
    request here starts without them, as a real request does.
    """

    def __init__(self, app, user, password: str = "Test-pass-2026"):
        from tests.conftest import csrf_token

        self.client = app.test_client()
        self.user = user
        page = self.get("/login").get_data(as_text=True)
        resp = self.post(
            "/login", data={"username": user.username, "password": password, "csrf_token": csrf_token(page)}
        )
        assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]

    @staticmethod
    def _fresh() -> None:
        from flask import g

        for key in ("_login_user", "csrf_token"):
            g.pop(key, None)

    def get(self, *args, **kw):
        self._fresh()
        return self.client.get(*args, **kw)

    def post(self, *args, **kw):
        self._fresh()
        return self.client.post(*args, **kw)

    def token(self) -> str:
        from tests.conftest import csrf_token

        return csrf_token(self.get("/proposals/").get_data(as_text=True))
