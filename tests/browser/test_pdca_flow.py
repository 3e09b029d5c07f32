"""In Chromium: a manager opens the PDCA dashboard, sees the trend charts render, drills into
an off-track goal down to the records behind its figure, and decides the strategic item the
reviews escalated."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from pdca.models import Cycle, Goal, StrategicItem, Strategy
from pdca.services import review_run
from tests.conftest import make_user
from tests.factories import IncidentFactory, ServiceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page: Page, base: str, username: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pw-" + username)
    page.get_by_role("button", name="Log in").click()


def test_manager_drills_into_an_off_track_goal_and_decides(live_server, page: Page):
    manager = make_user("maria", "manager", last_name="Lindqvist")
    mail = ServiceFactory(name="E-mail")
    today = timezone.localdate()
    strategy = Strategy.objects.create(
        name="Stable everyday IT", vision="It just works.", owner=manager,
        horizon_start=today - dt.timedelta(days=365), horizon_end=today + dt.timedelta(days=365),
    )  # fmt: skip
    start = today - dt.timedelta(days=21)
    cycle = Cycle.objects.create(
        strategy=strategy, name="This quarter", start=start, end=today + dt.timedelta(days=60)
    )
    goal = Goal.objects.create(
        cycle=cycle, name="Mail restored within 4 h", kpi="mttr_hours", target=4,
        direction="at_most",
    )  # fmt: skip
    goal.services.add(mail)
    tz = timezone.get_current_timezone()
    t0 = dt.datetime.combine(start, dt.time(), tz)
    hours = (3, 9, 12)  # on track, then off track twice → escalated
    for week, h in enumerate(hours):
        opened = t0 + dt.timedelta(days=7 * week + 1)
        IncidentFactory(
            number="INC000010{w}".format(w=week), title="Mail down {w}".format(w=week),
            service=mail, opened_at=opened, resolved_at=opened + dt.timedelta(hours=h),
            state="resolved",
        )  # fmt: skip
        review_run(
            cycle_id=cycle.pk,
            period_start=t0 + dt.timedelta(days=7 * week),
            period_end=t0 + dt.timedelta(days=7 * (week + 1)),
        )
    assert StrategicItem.objects.filter(goal=goal, decided_at=None).count() == 1

    login(page, live_server.url, "maria")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="PDCA").click()
    expect(page.get_by_role("heading", name="Continual improvement")).to_be_visible()

    # The chart renders: a visible SVG with the target line and one point per review.
    chart = page.locator("tr.goal-row svg.trend").first
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box is not None
    assert box["width"] > 100
    assert box["height"] > 30
    expect(chart.locator("circle")).to_have_count(3)
    expect(chart.locator("circle.pt-off_track")).to_have_count(2)
    expect(chart.locator("line.target")).to_have_count(1)
    expect(page.locator("tr.goal-row[data-status=off_track]")).to_have_count(1)
    expect(page.locator("#strategic-queue")).to_contain_text("Goal off track twice")
    page.screenshot(path="var/screenshots/pdca_dashboard.png", full_page=True)

    # Drill into the off-track goal, then to the records behind its latest figure.
    page.locator("tr.goal-row[data-status=off_track]").get_by_role(
        "link", name="Mail restored within 4 h"
    ).click()
    expect(page.get_by_role("heading", name="Mail restored within 4 h")).to_be_visible()
    expect(page.locator("h1 .badge")).to_have_text("Off track")
    page.locator("#goal-reviews a.drill").first.click()
    expect(page.locator("#records")).to_contain_text("INC0000102")
    expect(page.locator("#records")).not_to_contain_text("INC0000101")
    expect(page.get_by_text("n = 1")).to_be_visible()
    page.screenshot(path="var/screenshots/pdca_goal_records.png", full_page=True)

    # Decide the escalated item: revise the goal's target, with a note.
    page.get_by_role("link", name="Strategic queue").click()
    page.locator("#strategic").get_by_role("link", name="Mail restored within 4 h").click()
    page.get_by_role("button", name="Record the decision").click()  # no note: field error
    expect(page.get_by_text("Write a note for the decision.")).to_be_visible()
    page.get_by_label("Decision").select_option("revise_goal")
    page.get_by_label("Note").fill("Four hours is not realistic without a second mail admin.")
    page.get_by_label("New target").fill("8")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Decided; the item is back with the line.")).to_be_visible()
    expect(page.locator("#strategic")).to_contain_text("Nothing waits for a strategic decision.")
    page.screenshot(path="var/screenshots/pdca_decided.png", full_page=True)

    item = StrategicItem.objects.get(goal=goal)
    assert item.decision == "revise_goal"
    assert item.decided_by == manager
    goal.refresh_from_db()
    assert goal.target == 8
