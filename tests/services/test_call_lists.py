"""Call lists built from filters, in priority order; show-driven lists built once per edition."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from crm.models import CallItem, CallList
from crm.services import call_lists, calls
from crm.services.errors import Forbidden, ValidationFailed
from tests import factories

NOW = datetime(2026, 3, 9, 2, 0, tzinfo=timezone.utc)


@pytest.fixture()
def sup(make_user):
    return make_user("market_supervisor")


@pytest.fixture()
def show(session):
    """Last year's and this year's editions of one show, with last year's booths."""
    last = factories.exhibition(session, "上海国际测试医疗展", 2025, starts_on=date(2025, 4, 8))
    upcoming = factories.exhibition(session, "上海国际测试医疗展", 2026, starts_on=date(2026, 4, 7))
    booths = {
        "big_special": dict(booth_type="special", area_m2=Decimal("216"), hall="1.1H"),
        "key_raw": dict(booth_type="raw_space", area_m2=Decimal("54"), hall="2.1H"),
        "small_special": dict(booth_type="special", area_m2=Decimal("36"), hall="1.1H",
                              origin="foreign"),
        "standard": dict(booth_type="standard", area_m2=Decimal("9"), hall="1.1H"),
    }
    made = {}
    for name, booth in booths.items():
        company = factories.company(session, f"{name}测试有限公司",
                                    is_key_client=(name == "key_raw"))
        factories.participation(session, company, last, booth_no=name, **booth)
        made[name] = company
    return last, upcoming, made


def _order(session, call_list) -> list[int]:
    return list(session.scalars(select(CallItem.company_id).where(
        CallItem.list_id == call_list.id).order_by(CallItem.priority)))


def test_build_by_exhibition_special_build_first_then_key_clients_and_area(session, sup, show):
    last, _, made = show
    result = call_lists.build_list(session, sup, "医疗展回访",
                                   call_lists.ListFilters(exhibition_id=last.id), now=NOW)
    assert result.added == 4 and result.call_list.owner_id is None  # the shared pool
    assert _order(session, result.call_list) == [
        made["key_raw"].id, made["big_special"].id, made["small_special"].id, made["standard"].id]
    assert result.call_list.filters["exhibition_id"] == last.id


def test_filters_hall_area_origin_booth_type_key_client(session, sup, show, make_user):
    last, _, made = show
    tele = make_user("telesales")
    f = call_lists.ListFilters(exhibition_id=last.id, booth_types=["special"], halls=["1.1H"],
                               area_min=Decimal("30"), area_max=Decimal("100"))
    result = call_lists.build_list(session, sup, "小特装", f, owner_id=tele.id, now=NOW)
    assert _order(session, result.call_list) == [made["small_special"].id]
    assert call_lists.preview(session, sup, call_lists.ListFilters(
        exhibition_id=last.id, origins=["foreign"]), now=NOW) == (0, 1)  # queued already
    only_key = call_lists.build_list(session, sup, "重点", call_lists.ListFilters(
        exhibition_id=last.id, key_client=True), priority=["area"], now=NOW)
    assert _order(session, only_key.call_list) == [made["key_raw"].id]


def test_a_company_is_in_one_open_list_at_a_time(session, sup, show):
    last, _, made = show
    first = call_lists.build_list(session, sup, "一", call_lists.ListFilters(exhibition_id=last.id),
                                  now=NOW)
    second = call_lists.build_list(session, sup, "二", call_lists.ListFilters(exhibition_id=last.id),
                                   now=NOW)
    assert (second.added, second.already_queued) == (0, 4)
    assert call_lists.close_list(session, sup, first.call_list, now=NOW) == 4
    third = call_lists.build_list(session, sup, "三", call_lists.ListFilters(exhibition_id=last.id),
                                  now=NOW)
    assert third.added == 4


def test_lists_leave_out_clients_do_not_call_open_leads_and_recent_calls(session, sup, show, make_user):
    last, _, made = show
    executor = make_user("executor")
    made["big_special"].owner_id = executor.id  # an executor's client
    made["small_special"].do_not_call = True
    factories.lead(session, made["key_raw"], status="accepted", executor=executor)
    session.flush()
    result = call_lists.build_list(session, sup, "筛选", call_lists.ListFilters(exhibition_id=last.id),
                                   now=NOW)
    assert _order(session, result.call_list) == [made["standard"].id]
    calls.seed_outcomes(session)
    tele = make_user("telesales")
    claim = calls.claim_next(session, tele, NOW)
    calls.log_outcome(session, claim.item_id, tele, "not_interested", now=NOW)
    again = call_lists.build_list(session, sup, "再筛", call_lists.ListFilters(
        exhibition_id=last.id, not_called_days=30), now=NOW + timedelta(days=1))
    assert again.added == 0


def test_bad_filters_name_their_field_and_only_list_managers_build(session, sup, make_user):
    with pytest.raises(ValidationFailed) as bad:
        call_lists.build_list(session, sup, "x", call_lists.ListFilters(booth_types=["tent"]))
    assert bad.value.field == "booth_types"
    with pytest.raises(ValidationFailed) as bad_area:
        call_lists.build_list(session, sup, "x", call_lists.ListFilters(
            area_min=Decimal("100"), area_max=Decimal("10")))
    assert "area_max" in bad_area.value.errors
    with pytest.raises(ValidationFailed) as bad_owner:
        call_lists.build_list(session, sup, "x", call_lists.ListFilters(),
                              owner_id=make_user("designer").id)
    assert bad_owner.value.field == "owner_id"
    with pytest.raises(Forbidden):
        call_lists.build_list(session, make_user("telesales"), "x", call_lists.ListFilters())


def test_show_driven_list_is_built_once_weeks_before_from_the_last_edition(session, show):
    last, upcoming, made = show
    # Nine weeks before: too early for the default of eight weeks.
    assert call_lists.build_show_driven_lists(session, date(2026, 2, 3), now=NOW) == []
    built = call_lists.build_show_driven_lists(session, date(2026, 2, 10), now=NOW)
    assert len(built) == 1
    lst = built[0].call_list
    assert (lst.kind, lst.exhibition_id, lst.source_exhibition_id, lst.owner_id) == (
        "show_driven", upcoming.id, last.id, None)
    assert lst.source_key == f"show:{upcoming.id}"
    # Special-build and raw space only, key clients first, then the largest booth.
    assert _order(session, lst) == [made["key_raw"].id, made["big_special"].id,
                                    made["small_special"].id]
    # Idempotent: the daily job runs again and builds nothing.
    assert call_lists.build_show_driven_lists(session, date(2026, 2, 11), now=NOW) == []
    assert session.scalar(select(func.count(CallList.id))) == 1


def test_a_show_without_an_earlier_edition_gets_no_list(session):
    factories.exhibition(session, "首届测试展", 2026, starts_on=date(2026, 3, 20))
    assert call_lists.build_show_driven_lists(session, date(2026, 3, 1), 4, now=NOW) == []


# --- what the call-list pages read ----------------------------------------------------------

def test_preview_first_matches_the_list_build_makes(session, sup, show, make_user):
    last, _, made = show
    f = call_lists.ListFilters(exhibition_id=last.id)
    shown = call_lists.preview_first(session, sup, f, priority=["area"], show=2, now=NOW)
    assert (shown.total, shown.already_queued) == (4, 0)
    assert [c.id for c in shown.first] == [made["big_special"].id, made["key_raw"].id]
    built = call_lists.build_list(session, sup, "面积", call_lists.ListFilters(exhibition_id=last.id),
                                  priority=["area"], now=NOW)
    assert _order(session, built.call_list)[:2] == [c.id for c in shown.first]
    again = call_lists.preview_first(session, sup, call_lists.ListFilters(exhibition_id=last.id),
                                     now=NOW)
    assert (again.total, again.already_queued, again.first) == (0, 4, [])
    with pytest.raises(ValidationFailed) as bad:
        call_lists.preview_first(session, sup, f, priority=["area", "area"])
    assert bad.value.field == "priority"
    with pytest.raises(ValidationFailed) as bad_owner:
        call_lists.preview_first(session, sup, f, owner_id=make_user("executor").id)
    assert bad_owner.value.field == "owner_id"
    with pytest.raises(Forbidden):
        call_lists.preview_first(session, make_user("telesales"), f)


def test_progress_of_items_with_their_last_call_and_owner_choices(session, sup, show, make_user):
    last, _, made = show
    calls.seed_outcomes(session)
    tele = make_user("telesales", display_name="王芳")
    make_user("executor")
    inactive = make_user("telesales", active=False)
    one = call_lists.build_list(session, sup, "一", call_lists.ListFilters(
        exhibition_id=last.id, booth_types=["special"]), now=NOW)
    two = call_lists.build_list(session, sup, "二", call_lists.ListFilters(exhibition_id=last.id),
                                now=NOW)
    claim = calls.claim_next(session, tele, NOW)
    calls.log_outcome(session, claim.item_id, tele, "no_answer", now=NOW)
    progress = call_lists.progress_of(session, [one.call_list.id, two.call_list.id])
    assert progress[one.call_list.id] == call_lists.progress(session, one.call_list.id)
    assert progress[one.call_list.id]["callback"] == 1  # no answer: retried later
    assert progress[one.call_list.id]["queued"] == 1
    assert sum(progress[two.call_list.id].values()) == 2
    page = call_lists.list_items(session, one.call_list)
    assert [r.item.company_id for r in page.items] == [made["big_special"].id,
                                                        made["small_special"].id]
    assert page.items[0].last_call.user.display_name == "王芳"
    assert page.items[0].last_call.outcome == "no_answer" and page.items[1].last_call is None
    waiting = call_lists.list_items(session, one.call_list, status="queued")
    assert [r.item.company_id for r in waiting.items] == [made["small_special"].id]
    assert waiting.total == 1
    owners = call_lists.owner_choices(session)
    assert tele in owners and sup in owners and inactive not in owners
    assert all(u.role in ("telesales", "market_supervisor") for u in owners)
