"""The review queue: compare two companies, merge (and undo) or mark them as different."""
from __future__ import annotations

from sqlalchemy import select

from crm.models import Company, Merge, ReviewItem
from tests import factories


def make_pair(session, **b_fields):
    a = factories.company(session, "上海瑞丰汽车零部件有限公司", phones=["021-64881234"])
    b = factories.company(session, "上海瑞峰汽车零部件有限公司", **b_fields)
    item = ReviewItem(company_a_id=a.id, company_b_id=b.id, score=86.5,
                      evidence={"phone": "021-64881234", "name": 86.5})
    session.add(item)
    session.flush()
    return a, b, item


def test_merge_from_the_pair_page_then_undo(session, make_user, login, client):
    a, b, item = make_pair(session)
    login(make_user("market_supervisor"))
    queue = client.get("/review/").get_data(as_text=True)
    assert "上海瑞峰汽车零部件有限公司" in queue and "86.5" in queue
    page = client.get(f"/review/{item.id}").get_data(as_text=True)
    assert "上海瑞丰汽车零部件有限公司" in page and "上海瑞峰汽车零部件有限公司" in page
    # Evidence stored in a form this version does not know is shown as it is.
    assert 'class="evidence"><td>phone</td>' in page and "86.5" in page
    response = client.post(f"/review/{item.id}/merge", data={"survivor_id": b.id})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/companies/{b.id}")
    session.expire_all()
    assert session.get(Company, a.id).merged_into_id == b.id
    survivor = client.get(f"/companies/{b.id}").get_data(as_text=True)
    assert "Merged from" in survivor and "上海瑞丰汽车零部件有限公司" in survivor
    merge = session.scalars(select(Merge)).one()
    assert f"/review/merges/{merge.id}/undo" in survivor
    assert client.post(f"/review/merges/{merge.id}/undo").status_code == 302
    session.expire_all()
    assert session.get(Company, a.id).merged_into_id is None
    assert session.get(Merge, merge.id).undone_at is not None
    assert client.get(f"/companies/{a.id}").status_code == 200


def test_mark_different_leaves_the_queue(session, make_user, login, client):
    _a, _b, item = make_pair(session)
    login(make_user("general_manager"))
    assert client.post(f"/review/{item.id}/different").status_code == 302
    session.expire_all()
    assert session.get(ReviewItem, item.id).status == "different"
    assert "上海瑞峰汽车零部件有限公司" not in client.get("/review/").get_data(as_text=True)
    # Deciding twice is a domain error turned into a message, not a crash.
    again = client.post(f"/review/{item.id}/different")
    assert again.status_code == 303


def test_executor_cannot_open_a_pair_with_a_colleagues_client(session, make_user, login,
                                                             client):
    colleague = make_user("executor", "exec_b")
    _a, _b, item = make_pair(session, owner_id=colleague.id)
    login(make_user("executor", "exec_a"))
    assert client.get(f"/review/{item.id}").status_code == 404
    assert client.post(f"/review/{item.id}/merge").status_code == 404
    assert client.get("/review/").status_code == 403


def test_review_posts_need_the_csrf_token(csrf_app, session, make_user):
    _a, _b, item = make_pair(session)
    user = make_user("market_supervisor")
    c = csrf_app.test_client()
    page = c.get("/login").get_data(as_text=True)
    import re
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert c.post("/login", data={"username": user.username, "password": factories.PASSWORD,
                                  "csrf_token": token}).status_code == 302
    assert c.post(f"/review/{item.id}/different").status_code == 400
    session.expire_all()
    assert session.get(ReviewItem, item.id).status == "open"


def test_the_evidence_reads_as_sentences_in_chinese(app, session, make_user, login, client):
    from crm.services.matching import MatchSettings, build_profile, compare
    a = factories.company(session, "上海瑞丰汽车零部件有限公司")
    b = factories.company(session, "瑞峰汽车零部件有限公司")
    verdict = compare(build_profile([b.name_zh], phones=["021-64881234"]),
                      build_profile([a.name_zh], phones=["021-64881234"]), MatchSettings())
    item = ReviewItem(company_a_id=a.id, company_b_id=b.id, score=verdict.score,
                      evidence=verdict.evidence)
    session.add(item)
    session.flush()
    app.config["BABEL_DEFAULT_LOCALE"] = "zh_CN"
    login(make_user("market_supervisor"))
    page = client.get(f"/review/{item.id}").get_data(as_text=True)
    assert "瑞峰 ↔ 瑞丰" in page and "字号同音" in page  # the trade names and how they compare
    assert "电话 +862164881234" in page  # the shared key, named
    assert 'class="evidence agree"' in page
    assert "trade_score" not in page and "{'" not in page  # no raw data
