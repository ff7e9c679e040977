"""The telesales queue: claims, outcomes and what they trigger, bad input, concurrency."""
from __future__ import annotations

import os
import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, insert, select, update

from crm.db import Base, make_engine, make_session_factory
from crm.models import (
    Call,
    CallItem,
    CallList,
    CallOutcome,
    Company,
    CompanyPhone,
    Lead,
    LeadConflict,
    MailingTask,
    User,
)
from crm.services import calls, settings
from crm.services.errors import Forbidden, ValidationFailed
from tests import factories

# Monday 9 March 2026, 10:00 in Shanghai.
NOW = datetime(2026, 3, 9, 2, 0, tzinfo=timezone.utc)


@pytest.fixture()
def tele(session):
    factories.call_outcomes(session)
    return factories.user(session, "telesales")


@pytest.fixture()
def tele2(session):
    return factories.user(session, "telesales")


def _companies(session, n, **fields):
    return [factories.company(session, f"呼叫测试{factories._seq.__next__()}有限公司",
                              phones=[f"021-6{factories._seq.__next__():07d}"], **fields)
            for _ in range(n)]


@pytest.fixture()
def pool(session, tele):
    """A shared-pool list of three companies, called in the order given."""
    companies = _companies(session, 3)
    return factories.call_list(session, companies), companies


def _item(session, item_id) -> CallItem:
    return session.execute(select(CallItem).where(CallItem.id == item_id)
                           .execution_options(populate_existing=True)).scalar_one()


# --- claiming --------------------------------------------------------------------------

def test_claims_follow_priority_and_two_people_never_share_a_company(session, tele, tele2, pool):
    lst, companies = pool
    first = calls.claim_next(session, tele, NOW)
    assert first.company_id == companies[0].id and first.attempt == 1
    assert first.expires_at == NOW + timedelta(minutes=15)
    # Asking again while holding a claim returns the same call, not a second one.
    assert calls.claim_next(session, tele, NOW + timedelta(minutes=1)) == first
    second = calls.claim_next(session, tele2, NOW)
    assert second.company_id == companies[1].id
    item = _item(session, first.item_id)
    assert (item.status, item.claimed_by_id) == ("claimed", tele.id)


def test_own_lists_come_before_the_shared_pool(session, tele, pool):
    mine = _companies(session, 1)
    own = factories.call_list(session, mine, owner=tele, name="我的清单")
    claim = calls.claim_next(session, tele, NOW)
    assert (claim.list_id, claim.company_id) == (own.id, mine[0].id)


def test_empty_queue_gives_none_and_closed_lists_are_not_served(session, tele, pool):
    lst, _ = pool
    lst.closed_at = NOW
    session.flush()
    assert calls.claim_next(session, tele, NOW) is None


def test_a_held_claim_comes_back_even_after_its_list_closed(session, tele, pool, make_user):
    lst, _ = pool
    claim = calls.claim_next(session, tele, NOW)
    from crm.services import call_lists

    call_lists.close_list(session, make_user("market_supervisor"), lst, now=NOW)
    assert calls.claim_next(session, tele, NOW + timedelta(minutes=1)) == claim
    calls.log_outcome(session, claim.item_id, tele, "not_interested", now=NOW + timedelta(minutes=2))
    assert calls.claim_next(session, tele, NOW + timedelta(minutes=3)) is None


def test_do_not_call_is_respected_even_for_items_already_queued(session, tele, pool):
    lst, companies = pool
    companies[0].do_not_call = True  # flagged behind the service's back: claim still skips it
    session.flush()
    assert calls.claim_next(session, tele, NOW).company_id == companies[1].id
    # Through the service the waiting item is dropped at once.
    assert calls.set_do_not_call(session, companies[2]) == 1
    assert session.scalar(select(CallItem.status).where(
        CallItem.company_id == companies[2].id)) == "skipped"


def test_abandoned_claim_expires_and_goes_to_someone_else(session, tele, tele2, pool):
    claim = calls.claim_next(session, tele, NOW)
    calls.log_outcome(session, claim.item_id, tele, "no_answer", now=NOW + timedelta(minutes=1))
    later = NOW + timedelta(days=1)
    stale = calls.claim_next(session, tele, later)  # claimed, then the phone rang elsewhere
    after = later + timedelta(minutes=16)
    taken = calls.claim_next(session, tele2, after)
    assert taken.item_id == stale.item_id and taken.attempt == stale.attempt + 1
    with pytest.raises(calls.NotYours):
        calls.log_outcome(session, stale.item_id, tele, "busy", now=after)


def test_expired_claim_is_refused(session, tele, pool):
    claim = calls.claim_next(session, tele, NOW)
    with pytest.raises(calls.ClaimExpired):
        calls.log_outcome(session, claim.item_id, tele, "not_interested",
                          now=NOW + timedelta(minutes=31))
    assert session.scalar(select(func.count(Call.id))) == 0


def test_someone_elses_claim_is_refused(session, tele, tele2, pool):
    claim = calls.claim_next(session, tele, NOW)
    with pytest.raises(calls.NotYours):
        calls.log_outcome(session, claim.item_id, tele2, "not_interested", now=NOW)
    assert _item(session, claim.item_id).status == "claimed"


def test_double_clicked_outcome_records_once(session, tele, pool):
    claim = calls.claim_next(session, tele, NOW)
    logged = calls.log_outcome(session, claim.item_id, tele, "meeting_possible", "周三下午可以见",
                               attempt=claim.attempt, now=NOW)
    with pytest.raises(calls.AlreadyLogged) as second:
        calls.log_outcome(session, claim.item_id, tele, "meeting_possible", "周三下午可以见",
                          attempt=claim.attempt, now=NOW)
    assert second.value.call_id == logged.call.id and second.value.status == 409
    with pytest.raises(calls.AlreadyLogged):  # without the claim number, too
        calls.log_outcome(session, claim.item_id, tele, "not_interested", now=NOW)
    assert session.scalar(select(func.count(Call.id))) == 1
    assert session.scalar(select(func.count(Lead.id))) == 1


def test_a_stale_screen_cannot_close_a_later_claim(session, tele, pool):
    claim = calls.claim_next(session, tele, NOW)
    calls.log_outcome(session, claim.item_id, tele, "busy", attempt=1, now=NOW)
    # The busy company is due again after 30 minutes and comes back as claim number 2.
    again = calls.claim_next(session, tele, NOW + timedelta(minutes=31))
    assert (again.item_id, again.attempt) == (claim.item_id, 2)
    with pytest.raises(calls.AlreadyLogged):  # the first claim's screen, submitted again
        calls.log_outcome(session, claim.item_id, tele, "not_interested", attempt=1,
                          now=NOW + timedelta(minutes=32))
    # A claim that expired and was taken again by the same person is refused as expired.
    other = calls.claim_next(session, tele, NOW + timedelta(hours=5))
    assert other.item_id != claim.item_id or other.attempt == 3
    renewed = calls.claim_next(session, tele, NOW + timedelta(hours=6))
    with pytest.raises(calls.ClaimExpired):
        calls.log_outcome(session, renewed.item_id, tele, "not_interested",
                          attempt=renewed.attempt - 1, now=NOW + timedelta(hours=6))
    assert session.scalar(select(func.count(Call.id))) == 1


def test_bad_outcome_and_missing_callback_time_name_their_field(session, tele, pool):
    claim = calls.claim_next(session, tele, NOW)
    with pytest.raises(ValidationFailed) as unknown:
        calls.log_outcome(session, claim.item_id, tele, "teleported", now=NOW)
    assert unknown.value.field == "outcome"
    with pytest.raises(ValidationFailed) as no_time:
        calls.log_outcome(session, claim.item_id, tele, "call_back", now=NOW)
    assert no_time.value.field == "callback_at"
    with pytest.raises(ValidationFailed) as past:
        calls.log_outcome(session, claim.item_id, tele, "call_back",
                          callback_at=NOW - timedelta(hours=1), now=NOW)
    assert past.value.field == "callback_at"
    assert _item(session, claim.item_id).status == "claimed"


def test_designers_may_not_work_the_queue(session, pool, make_user):
    with pytest.raises(Forbidden):
        calls.claim_next(session, make_user("designer"), NOW)


# --- outcomes and what they start -----------------------------------------------------------

def test_meeting_outcome_opens_a_telesales_lead_for_assignment(session, tele, pool):
    claim = calls.claim_next(session, tele, NOW)
    logged = calls.log_outcome(session, claim.item_id, tele, "meeting_possible", "王经理周三可见",
                               now=NOW)
    lead = logged.lead
    assert (lead.source, lead.bucket, lead.status, lead.call_id) == (
        "telesales", "meeting", "open", logged.call.id)
    assert logged.call.bucket == "meeting" and logged.item_status == "done"
    requirements = calls.claim_next(session, tele, NOW)
    logged = calls.log_outcome(session, requirements.item_id, tele, "requirements_sent", now=NOW)
    assert logged.lead.bucket == "requirements"


def test_lead_outcome_on_a_company_with_an_open_lead_raises_a_conflict(session, tele, pool, make_user):
    lst, companies = pool
    executor = make_user("executor")
    existing = factories.lead(session, companies[0], source="self_developed", status="accepted",
                              executor=executor)
    claim = calls.claim_next(session, tele, NOW)
    logged = calls.log_outcome(session, claim.item_id, tele, "meeting_possible", now=NOW)
    assert logged.lead is None
    assert logged.conflict.lead_id == existing.id and logged.conflict.requested_by_id == tele.id
    assert session.scalar(select(func.count(Lead.id))) == 1
    assert session.scalar(select(func.count(LeadConflict.id))) == 1


def test_send_materials_standard_pack_by_telesales_targeted_by_executor_for_key_client(
        session, tele, make_user):
    executor = make_user("executor")
    plain, key = _companies(session, 1)[0], _companies(session, 1, is_key_client=True)[0]
    key.owner_id = executor.id
    session.flush()
    factories.call_list(session, [plain, key], owner=tele)
    first = calls.claim_next(session, tele, NOW)
    task = calls.log_outcome(session, first.item_id, tele, "send_materials", now=NOW).mailing
    assert (task.kind, task.assignee_id, task.status) == ("standard_pack", tele.id, "open")
    assert task.due_on == datetime(2026, 3, 11).date()  # two working days
    second = calls.claim_next(session, tele, NOW)
    task = calls.log_outcome(session, second.item_id, tele, "send_materials", now=NOW).mailing
    assert (task.kind, task.assignee_id) == ("targeted", executor.id)
    assert session.scalar(select(func.count(MailingTask.id))) == 2


def test_telesales_send_their_standard_packs(session, tele, tele2, pool):
    claim = calls.claim_next(session, tele, NOW)
    task = calls.log_outcome(session, claim.item_id, tele, "send_materials", now=NOW).mailing
    assert calls.mailing_tasks(session, tele) == [task] and calls.mailing_tasks(session, tele2) == []
    with pytest.raises(ValidationFailed) as bad:
        calls.mark_mailing_sent(session, task, tele, "pigeon")
    assert bad.value.field == "method"
    with pytest.raises(Forbidden):
        calls.mark_mailing_sent(session, task, tele2, "courier", "SF1234567890")
    calls.mark_mailing_sent(session, task, tele, "courier", "SF1234567890", now=NOW)
    assert (task.status, task.method, task.tracking_no) == ("sent", "courier", "SF1234567890")
    assert calls.mailing_tasks(session, tele) == []


def test_wrong_number_flags_the_phone(session, tele, pool):
    claim = calls.claim_next(session, tele, NOW)
    logged = calls.log_outcome(session, claim.item_id, tele, "wrong_number", now=NOW)
    phone = session.scalars(select(CompanyPhone).where(
        CompanyPhone.company_id == claim.company_id)).one()
    assert phone.wrong_number and logged.flagged_phone_ids == [phone.id]
    assert not logged.call.reached


def test_wrong_number_with_several_phones_needs_the_one_dialled(session, tele):
    company = factories.company(session, "双号码有限公司", phones=["021-62345678", "13812345678"])
    factories.call_list(session, [company], owner=tele)
    claim = calls.claim_next(session, tele, NOW)
    with pytest.raises(ValidationFailed) as which:
        calls.log_outcome(session, claim.item_id, tele, "wrong_number", now=NOW)
    assert which.value.field == "phone_id"
    mobile = [p for p in company.phones if p.kind == "mobile"][0]
    calls.log_outcome(session, claim.item_id, tele, "wrong_number", phone_id=mobile.id, now=NOW)
    assert [p.wrong_number for p in company.phones] == [False, True]


def test_callback_returns_at_its_time_to_the_promiser_first(session, tele, tele2):
    companies = _companies(session, 3)
    factories.call_list(session, companies)
    claim = calls.claim_next(session, tele, NOW)
    at = NOW + timedelta(hours=2)
    calls.log_outcome(session, claim.item_id, tele, "call_back", "下午四点再打", callback_at=at,
                      now=NOW)
    # Before its time the callback waits; others are served.
    early = calls.claim_next(session, tele, at - timedelta(minutes=5))
    assert early.item_id != claim.item_id
    calls.log_outcome(session, early.item_id, tele, "not_interested", now=at - timedelta(minutes=5))
    # At its time it goes to its promiser before the queued company, not to a colleague.
    assert calls.claim_next(session, tele2, at).item_id not in (claim.item_id, early.item_id)
    back = calls.claim_next(session, tele, at + timedelta(minutes=1))
    assert back.item_id == claim.item_id and back.callback_at == at


def test_no_answer_retries_until_the_attempts_run_out(session, tele):
    settings.put(session, calls.MAX_ATTEMPTS, 2)
    company = _companies(session, 1)[0]
    factories.call_list(session, [company], owner=tele)
    first = calls.claim_next(session, tele, NOW)
    assert calls.log_outcome(session, first.item_id, tele, "no_answer", now=NOW).item_status == "callback"
    assert calls.claim_next(session, tele, NOW + timedelta(minutes=119)) is None
    second = calls.claim_next(session, tele, NOW + timedelta(minutes=121))
    assert (second.item_id, second.attempt) == (first.item_id, 2)
    last = calls.log_outcome(session, second.item_id, tele, "no_answer",
                             now=NOW + timedelta(minutes=125))
    assert last.item_status == "done"
    assert calls.claim_next(session, tele, NOW + timedelta(days=1)) is None


def test_release_puts_the_company_back(session, tele, tele2, pool):
    claim = calls.claim_next(session, tele, NOW)
    calls.release_claim(session, claim.item_id, tele, NOW)
    assert calls.claim_next(session, tele2, NOW).item_id == claim.item_id


def test_outcomes_are_configurable_data(session, tele):
    shipped = calls.outcomes(session)
    assert [o.code for o in shipped][:3] == ["meeting_possible", "requirements_sent", "send_materials"]
    assert [o.hotkey for o in shipped] == list("12345678")
    assert calls.seed_outcomes(session) == 0
    made = calls.save_outcome(session, calls.OutcomeData(
        code="left_message", label_zh="已留言", label_en="Left a message", hotkey="9",
        reached=False, retry_after_minutes=240))
    assert calls.outcome_by_code(session, "left_message").id == made.id
    with pytest.raises(ValidationFailed) as clash:
        calls.save_outcome(session, calls.OutcomeData(code="other", label_zh="其他",
                                                      label_en="Other", hotkey="9"))
    assert "hotkey" in clash.value.errors
    session.get(CallOutcome, made.id).active = False
    with pytest.raises(ValidationFailed):
        calls.outcome_by_code(session, "left_message")


def test_call_card_shows_phones_as_tel_links_and_past_calls(session, tele, pool):
    claim = calls.claim_next(session, tele, NOW)
    factories.contact(session, session.get(Company, claim.company_id), "李明",
                      mobile="13900001111", mobile_e164="+8613900001111")
    card = calls.call_card(session, tele, claim.item_id)
    assert card.claim == claim
    assert any(p.tel_uri and p.tel_uri.startswith("tel:+8621") for p in card.phones)
    assert any(p.tel_uri == "tel:+8613900001111" and p.label == "李明" for p in card.phones)
    queue = calls.my_queue(session, tele, NOW)
    assert queue.current == claim and queue.waiting == 2


# --- concurrency: each item claimed exactly once -------------------------------------------

def _queue_engine(tmp_path_factory):
    configured = os.environ.get("DATABASE_URL")
    if configured and not configured.startswith("sqlite"):
        from crm.config import database_url
        from tests.conftest import _drop_postgres_database, _fresh_postgres_database

        url = _fresh_postgres_database(database_url({"DATABASE_URL": configured}))
        engine = make_engine(url, pool_size=34, max_overflow=4)
        return engine, lambda: _drop_postgres_database(url)
    path = tmp_path_factory.mktemp("queue") / "queue.sqlite3"
    return make_engine(f"sqlite:///{path}", pool_size=10, max_overflow=4), lambda: None


@pytest.fixture(scope="module")
def queue_engine(tmp_path_factory):
    """A database of its own (committed data, many connections), dropped afterwards."""
    engine, drop = _queue_engine(tmp_path_factory)
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()
    drop()


def _fill(engine, items: int, workers: int) -> tuple[list[int], int]:
    factory = make_session_factory(engine)
    with factory() as s:
        calls.seed_outcomes(s)
        users = [User(username=f"q{i}_{items}", display_name=f"Q{i}", role="telesales",
                      password_hash="x") for i in range(workers)]
        s.add_all(users)
        lst = CallList(name=f"并发{items}")
        s.add(lst)
        s.flush()
        now = datetime.now(timezone.utc)
        first = (s.scalar(select(func.max(Company.id))) or 0) + 1
        s.execute(insert(Company), [
            {"id": first + i, "name_zh": f"并发测试{items}-{i}", "country": "CN", "version": 1,
             "is_key_client": False, "do_not_call": False, "created_at": now, "updated_at": now}
            for i in range(items)])
        s.execute(insert(CallItem), [
            {"list_id": lst.id, "company_id": first + i, "status": "queued", "priority": i,
             "attempts": 0} for i in range(items)])
        s.commit()
        return [u.id for u in users], lst.id


def _close_directly(s, claim, user) -> None:
    # Only the claim is under test here: close the item with one plain UPDATE (the full
    # log_outcome path runs concurrently in the test above, on both databases).
    s.execute(update(CallItem).where(CallItem.id == claim.item_id, CallItem.status == "claimed")
              .values(status="done"))


def _log(s, claim, user) -> None:
    calls.log_outcome(s, claim.item_id, user, "not_interested", attempt=claim.attempt)


def _work(engine, user_ids: list[int], close=_log) -> tuple[list[list[int]], list[BaseException]]:
    factory = make_session_factory(engine)
    got: list[list[int]] = [[] for _ in user_ids]
    errors: list[BaseException] = []
    start = threading.Barrier(len(user_ids))

    def run(slot: int, user_id: int) -> None:
        s = factory()
        try:
            user = s.get(User, user_id)
            s.commit()
            start.wait()
            while True:
                try:
                    claim = calls.claim_next(s, user)
                    s.commit()
                    if claim is None:
                        return
                    close(s, claim, user)
                    s.commit()
                except calls.QueueBusy:
                    s.rollback()
                    continue
                got[slot].append(claim.item_id)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            s.close()

    threads = [threading.Thread(target=run, args=(i, uid)) for i, uid in enumerate(user_ids)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return got, errors


def _assert_each_claimed_once(engine, got, errors, items: int, list_id: int, *,
                              logged: bool = True) -> None:
    assert errors == []
    flat = [i for per in got for i in per]
    assert len(flat) == items and len(set(flat)) == items
    assert sum(1 for per in got if per) > 1  # the work was really shared
    with make_session_factory(engine)() as s:
        attempts = dict(s.execute(select(CallItem.attempts, func.count())
                                  .where(CallItem.list_id == list_id)
                                  .group_by(CallItem.attempts)).all())
        assert attempts == {1: items}  # nobody claimed an item twice
        if logged:
            per_item = s.execute(select(Call.item_id, func.count())
                                 .where(Call.list_id == list_id).group_by(Call.item_id)).all()
            assert len(per_item) == items and {n for _, n in per_item} == {1}
        assert s.scalar(select(func.count(CallItem.id)).where(
            CallItem.list_id == list_id, CallItem.status != "done")) == 0


def test_concurrent_claimers_each_item_exactly_once(queue_engine):
    """Eight threads, each with its own connection and session, commit claims and outcomes."""
    items = 300
    users, list_id = _fill(queue_engine, items, 8)
    got, errors = _work(queue_engine, users)
    _assert_each_claimed_once(queue_engine, got, errors, items, list_id)


@pytest.mark.postgres
@pytest.mark.skipif(not (os.environ.get("DATABASE_URL") or "").startswith("postgresql"),
                    reason="32 claimers over 10,000 items need PostgreSQL (FOR UPDATE SKIP "
                           "LOCKED); set DATABASE_URL=postgresql://… (CI's PostgreSQL pass)")
def test_32_claimers_on_postgresql_claim_10000_items_exactly_once(queue_engine):
    items = 10_000
    users, list_id = _fill(queue_engine, items, 32)
    got, errors = _work(queue_engine, users, close=_close_directly)
    _assert_each_claimed_once(queue_engine, got, errors, items, list_id, logged=False)
