"""In development the login page lists the demo accounts the database holds (make run prints them too);
in any other environment it lists none, whatever the database holds."""

from __future__ import annotations

import pytest

from tracker.demo import DEMO_PASSWORD
from tracker.extensions import db


@pytest.fixture
def demo_users(agency, make_user):
    make_user("office", username="demo_office")
    make_user("leader", username="demo_leader")


def test_development_login_page_lists_the_demo_accounts_present(app, client, demo_users, make_user):
    make_user("auditor", username="demo_auditor").active = False  # disabled: not offered
    db.session.commit()
    app.config["ENV_NAME"] = "development"
    try:
        html = client.get("/login").get_data(as_text=True)
    finally:
        app.config["ENV_NAME"] = "testing"
    assert 'id="demo-logins"' in html and DEMO_PASSWORD in html
    assert "<code>demo_office</code>" in html and "<code>demo_leader</code>" in html
    assert "demo_auditor" not in html and "demo_head" not in html  # disabled, and absent


@pytest.mark.parametrize("env", ["testing", "production"])
def test_other_environments_list_no_account(app, client, demo_users, env):
    app.config["ENV_NAME"] = env
    try:
        html = client.get("/login").get_data(as_text=True)
    finally:
        app.config["ENV_NAME"] = "testing"
    assert 'id="demo-logins"' not in html and DEMO_PASSWORD not in html and "demo_office" not in html
