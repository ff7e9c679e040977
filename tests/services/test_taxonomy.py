import pytest

from crm.services import taxonomy
from crm.services.errors import Conflict, DomainError, ValidationFailed


def _industry(session, code, name_zh, **kw):
    return taxonomy.create(session, taxonomy.IndustryData(code=code, name_zh=name_zh, **kw))


def test_code_and_chinese_name_are_unique(session):
    _industry(session, "auto", "汽车")
    with pytest.raises(Conflict) as caught:
        _industry(session, "auto2", "汽车")
    assert caught.value.field == "name_zh" and "auto" in str(caught.value)
    with pytest.raises(Conflict) as caught:
        _industry(session, "AUTO", "汽车零部件")
    assert caught.value.field == "code" and "汽车" in str(caught.value)


def test_parent_may_not_make_a_loop(session):
    top = _industry(session, "mfg", "制造业")
    mid = _industry(session, "machinery", "机械", parent_id=top.id)
    low = _industry(session, "tools", "机床", parent_id=mid.id)
    data = taxonomy.data_of(top)
    data.parent_id = low.id
    with pytest.raises(ValidationFailed) as caught:
        taxonomy.update(session, top, data)
    assert "parent_id" in caught.value.errors
    data.parent_id = top.id
    with pytest.raises(ValidationFailed):
        taxonomy.update(session, top, data)
    assert [(i.code, depth) for i, depth in taxonomy.tree(session)] == [
        ("mfg", 0), ("machinery", 1), ("tools", 2)]


def test_deactivate_needs_inactive_children_first(session):
    top = _industry(session, "print", "印刷包装")
    child = _industry(session, "label", "标签印刷", parent_id=top.id)
    with pytest.raises(DomainError) as caught:
        taxonomy.deactivate(session, top)
    assert "标签印刷" in str(caught.value)
    taxonomy.deactivate(session, child)
    taxonomy.deactivate(session, top)
    assert not top.active and not child.active
