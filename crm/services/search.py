"""Company search: Chinese substrings, English words, pinyin and phones through one term index.

Each company gets a set of short terms; a query token matches a term by prefix, which is a
B-tree range scan on both SQLite and PostgreSQL. Chinese names are indexed by every suffix
(so a prefix match on a suffix is a substring match), in characters, full pinyin and
pinyin initials: typing `haier`, `he` or `海尔` finds 青岛海尔股份有限公司. A term that
another term of the company starts with is not stored (`without_prefixes`).

The terms of each company are also held together in one text (CompanySearchText), read
by primary key: the other words of a query are checked on it (`_has_term`), an import
reads which terms a company holds from it, and it says which term rows go with the
company when it is deleted or its names change.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (ColumnElement, Select, and_, bindparam, delete, event, exists, func,
                        insert, select)
from sqlalchemy.orm import Session, aliased

from crm.models import (Company, CompanyAlias, CompanyPhone, CompanySearchTerm,
                        CompanySearchText, Contact)
from crm.services import bulk, names, phones

MAX_TERM = 40
MAX_SUFFIXES = 30
# A company's terms in one text (CompanySearchText), each after this.
TERM_SEPARATOR = " "


def _suffixes(text: str) -> Iterable[str]:
    for i in range(min(len(text), MAX_SUFFIXES)):
        yield text[i:][:MAX_TERM]


def name_terms(name: str | None) -> set[str]:
    """Return the terms a company name is found by."""
    if not name or not name.strip():
        return set()
    terms: set[str] = set()
    if names.has_cjk(name):
        core = names.strip_zh_legal_form(name)
        terms.update(_suffixes(core))
        syllables = [s for s in names.pinyin(core) if s]
        # Every suffix in full pinyin and in initials, cut from the whole strings.
        full, initials = "".join(syllables), "".join(s[0] for s in syllables)
        start = 0
        for i, syllable in enumerate(syllables[:MAX_SUFFIXES]):
            terms.add(full[start:start + MAX_TERM])
            terms.add(initials[i:i + MAX_TERM])
            start += len(syllable)
    else:
        tokens = names.words(name)
        terms.update(t[:MAX_TERM] for t in tokens)
        terms.add("".join(tokens)[:MAX_TERM])
        core = names.strip_en_legal_form(name)
        terms.add("".join(core)[:MAX_TERM])
    terms.discard("")
    return terms


def phone_terms(e164: str | None) -> set[str]:
    """Return the digit strings a stored phone is found by (with and without trunk 0)."""
    if not e164:
        return set()
    national = phones.Phone(e164, e164, None, "").national_digits or ""
    terms = {national, e164.lstrip("+")}
    if e164.startswith("+86") and not _cn_mobile(national):
        terms.add("0" + national)
        # The local number without its area code: two digits for 010 (Beijing) and
        # 020–029, three for every other.
        terms.add(national[2:] if national[:1] in ("1", "2") else national[3:])
    return {t for t in terms if len(t) >= 5}


def _cn_mobile(national: str) -> bool:
    return len(national) == 11 and national.startswith("1")


def company_terms(names_: Iterable[str | None], phones_: Iterable[str | None]) -> set[str]:
    """The terms a company is found by: those of its names and numbers, without the ones
    another of them starts with (`without_prefixes`)."""
    terms: set[str] = set()
    for name in names_:
        terms |= name_terms(name)
    for e164 in phones_:
        terms |= phone_terms(e164)
    return without_prefixes(terms)


def without_prefixes(terms: set[str]) -> set[str]:
    """Drop each term that another term of the set starts with.

    A query token matches a term by prefix, so a company holding "qingdaohaier" is found by
    "qingdao" without holding "qingdao" too: a Latin name's first word, the pinyin of a
    Chinese name's first place, a name without its legal form are all prefixes of another
    term. In sorted order a term's extensions follow it directly, so one look at the next
    term decides.
    """
    ordered = sorted(terms)
    return {term for term, after in zip(ordered, ordered[1:] + [""])
            if not after.startswith(term)}


_PHONE_CHARS = frozenset("0123456789+-()（）.")
_PHONE_DIGITS_MAX = 15  # E.164: no number has more digits


def _with_phones_joined(parts: list[str]) -> list[str]:
    """Join the words of a number typed in groups: "021 5888 1234", "138 1234 5678" and
    "+86 21 5888-1234" are one number each (a number's digits are one term). Two whole
    numbers in a row stay two words: together they are longer than any number."""
    joined: list[str] = []
    digits_in_last = 0
    for part in parts:
        digits = sum(ch.isdigit() for ch in part)
        phoneish = digits > 0 and all(ch in _PHONE_CHARS for ch in part)
        if (phoneish and joined and digits_in_last
                and digits_in_last + digits <= _PHONE_DIGITS_MAX):
            joined[-1] += part
            digits_in_last += digits
        else:
            joined.append(part)
            digits_in_last = digits if phoneish else 0
    return joined


def query_tokens(query: str) -> list[str]:
    """Split what the user typed into tokens matched by prefix."""
    tokens = []
    for raw in _with_phones_joined(query.split()):
        # Chinese tokens are cut like the indexed names (brackets and legal form dropped),
        # so typing a full name such as 上海恒泰机械有限公司 finds it.
        token = names.strip_zh_legal_form(raw) if names.has_cjk(raw) else names.fold(raw)
        digits = "".join(ch for ch in raw if ch.isdigit())
        if digits and len(digits) >= 5 and len(digits) >= len(token) - 1:
            token = digits.lstrip("0") if not digits.startswith("1") else digits
            if raw.strip().startswith("+86"):
                token = digits[2:]
        if token:
            tokens.append(token[:MAX_TERM])
    return tokens


def _prefix_range(token: str, column=CompanySearchTerm.term):
    after = ord(token[-1]) + 1
    if 0xD800 <= after <= 0xDFFF:
        after = 0xE000  # skip the surrogates: no database stores them as text
    if after > 0x10FFFF:
        return column.startswith(token, autoescape=True)
    return and_(column >= token, column < token[:-1] + chr(after))


def _has_term(token: str, company_id) -> ColumnElement[bool]:
    """EXISTS a term of this company starting with token: read from its search text.

    One row by primary key, whatever the token; OFFSET 0 keeps PostgreSQL from turning
    the probe into a join that reads every company's text.
    """
    text = aliased(CompanySearchText)
    probe = select(text.company_id).where(
        text.company_id == company_id,
        text.terms.contains(TERM_SEPARATOR + token, autoescape=True))
    return exists(probe.offset(0))


def matching_ids(query: str):
    """Return a select of company ids whose terms match every token of the query.

    The longest token drives (a range scan of the term index) and each other token is an
    EXISTS probe, so a broad token ("co", "ltd", "上海") is never read in full as an
    INTERSECT would. Ids may repeat; use the select with IN. With a session at hand,
    `plan` picks the driving token better.
    """
    tokens = sorted(dict.fromkeys(query_tokens(query)), key=len, reverse=True)
    if not tokens:
        return None
    driver = aliased(CompanySearchTerm)
    stmt = select(driver.company_id).where(_prefix_range(tokens[0], driver.term))
    for token in tokens[1:]:
        stmt = stmt.where(_has_term(token, driver.company_id))
    return stmt


# How many index entries `plan` reads per token to tell a narrow token from a broad one;
# reading them takes a fraction of a millisecond.
PROBE_ROWS = 1000
# When every word of a query is that common, how far to look to find the least common.
DEEP_PROBE_ROWS = 20_000


@dataclass(frozen=True)
class Match:
    """A query ready for SQL: the token whose index range is read first, the others probed.

    Neither SQLite nor PostgreSQL can tell from statistics whether a prefix matches ten
    companies or half of them, and the fast plans for the two are opposite: read the few
    matching terms and look their companies up, or walk the companies newest first and
    test each until a page is full. `ids` serves both (the caller stops reading it);
    `condition` takes the caller's word for which case it is.
    """

    driver: str
    others: tuple[str, ...] = ()
    narrow: bool = True  # the driver matched fewer than PROBE_ROWS terms
    # When `plan` could read two or more words' companies in full: the companies having
    # all of those words. Only `others` are then left to probe, on these few companies.
    candidates: tuple[int, ...] | None = None

    def ids(self, companies: Select[Any]) -> Select[Any]:
        """Ids of the matching companies among `companies` (a select of Company), repeating.

        The term index is read from the driver token and each company checked for the
        other filters in that order, so reading stops when the caller stops fetching
        (see `first_ids`). A company appears once per term the driver token matches.
        """
        stmt = companies.with_only_columns(Company.id).order_by(None)
        if self.candidates is not None:
            return stmt.where(Company.id.in_(self.candidates),
                              *(_has_term(t, Company.id) for t in self.others))
        term = aliased(CompanySearchTerm)
        # The other words are probed on the term's company_id, so the database can test
        # them before it looks the company up.
        return (stmt.join_from(Company, term, term.company_id == Company.id)
                .where(_prefix_range(self.driver, term.term),
                       *(_has_term(t, term.company_id) for t in self.others)))

    def condition(self, *, many: bool | None = None, company_id=Company.id) -> ColumnElement[bool]:
        """WHERE clause for matching companies; `many`: a large share of them matches."""
        many = not self.narrow if many is None else many
        probes = [_has_term(t, company_id) for t in self.others]
        if self.candidates is not None:
            return and_(company_id.in_(self.candidates), *probes)
        if many:
            return and_(_has_term(self.driver, company_id), *probes)
        term = aliased(CompanySearchTerm)
        return and_(company_id.in_(select(term.company_id)
                                   .where(_prefix_range(self.driver, term.term))), *probes)


def first_ids(session: Session, stmt: Select[Any], limit: int) -> list[int]:
    """The first `limit` distinct ids that `stmt` yields, in its order, reading no further.

    Deduplicating here rather than with SQL DISTINCT matters: both databases sort or hash
    every match before a DISTINCT returns its first row, a LIMIT notwithstanding.
    """
    found: dict[int, None] = {}
    result = session.execute(stmt.execution_options(yield_per=2000))
    try:
        for company_id in result.scalars():
            found[company_id] = None
            if len(found) >= limit:
                break
    finally:
        result.close()
    return list(found)


def _companies_upto(session: Session, token: str, limit: int) -> list[int]:
    """The company ids of the first `limit` terms starting with token (index-only scan)."""
    return list(session.scalars(select(CompanySearchTerm.company_id)
                                .where(_prefix_range(token)).limit(limit)))


def _count_upto(session: Session, token: str, limit: int) -> int:
    """How many terms start with token, counting no further than `limit` (in the database)."""
    first = select(CompanySearchTerm.company_id).where(_prefix_range(token)).limit(limit)
    return session.scalar(select(func.count()).select_from(first.subquery())) or 0


def plan(session: Session, query: str) -> Match | None:
    """Parse the query and pick the token that matches fewest terms to drive; None if empty."""
    tokens = list(dict.fromkeys(query_tokens(query)))
    if not tokens:
        return None
    # Legal forms ("co", "ltd") are in most English names: never worth driving or counting.
    boilerplate = {t for t in tokens if t in names.EN_LEGAL_FORMS} if len(tokens) > 1 else set()
    counted = [t for t in tokens if t not in boilerplate] or tokens
    limit = PROBE_ROWS
    found = {t: _companies_upto(session, t, limit) for t in counted}
    counts = {t: len(ids) for t, ids in found.items()}
    if len(counted) > 1 and min(counts.values()) >= limit:
        # Every word is common ("Shanghai Xinheng Toys Technology"): look further to find
        # the least common ones, since the driver's matches are each probed for the others.
        # Counted in the database; only the two least common words' companies are fetched
        # (tens of thousands of ids of "shanghai" would cost more than the search).
        limit = DEEP_PROBE_ROWS
        counts = {t: _count_upto(session, t, limit) for t in counted}
        rarest = [t for t in sorted(counted, key=counts.__getitem__) if counts[t] < limit]
        found = {t: _companies_upto(session, t, limit) for t in rarest[:2]}
    ordered = sorted(counted, key=lambda t: (counts[t], -len(t)))
    boilerplate_ = tuple(t for t in tokens if t not in counted)
    complete = {t: set(ids) for t, ids in found.items() if counts[t] < limit}
    if len(complete) >= 2:
        # Two or more words were read in full: intersect them here rather than probe each
        # of the first word's companies for the others (random reads, slow when cold).
        common = set.intersection(*complete.values())
        others = tuple(t for t in ordered if t not in complete) + boilerplate_
        return Match(ordered[0], others, True, tuple(sorted(common)))
    return Match(ordered[0], tuple(ordered[1:]) + boilerplate_,
                 counts[ordered[0]] < PROBE_ROWS)


def joined_terms(terms: Iterable[str]) -> str:
    """A company's search text: each term after a space (a term holds no whitespace: names
    are folded and split into words, numbers are digits)."""
    return "".join(TERM_SEPARATOR + term for term in sorted(terms))


def split_terms(text: str | None) -> set[str]:
    """The terms of a search text (`joined_terms`)."""
    return set(text.split(TERM_SEPARATOR)[1:]) if text else set()


def held_texts(session: Session, company_ids: Iterable[int]) -> dict[int, str]:
    """The search text of each of these companies that has one."""
    found: dict[int, str] = {}
    for chunk in bulk.chunks(session, sorted(set(company_ids))):
        for cid, text in session.execute(
                select(CompanySearchText.company_id, CompanySearchText.terms)
                .where(bulk.one_of(session, CompanySearchText.company_id, chunk))):
            found[cid] = text
    return found


def drop_terms(conn, pairs: list[tuple[str, int]]) -> None:
    """Delete these (term, company id) rows, each found by its key.

    PostgreSQL takes them a chunk at a time as two arrays joined to the key (one statement
    per 10,000 rows: reverting a large import drops millions); SQLite's executemany
    already runs in C, one key lookup a row.
    """
    if not pairs:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(delete(CompanySearchTerm).where(
            CompanySearchTerm.term == bindparam("t"),
            CompanySearchTerm.company_id == bindparam("c")),
            [{"t": term, "c": cid} for term, cid in pairs])
        return
    for start in range(0, len(pairs), bulk.PG_CHUNK):
        chunk = pairs[start:start + bulk.PG_CHUNK]
        conn.exec_driver_sql(
            "DELETE FROM company_search_terms AS t"
            " USING unnest(%(terms)s::text[], %(ids)s::bigint[]) AS d(term, company_id)"
            ' WHERE t.term = d.term COLLATE "C" AND t.company_id = d.company_id',
            {"terms": [term for term, _ in chunk], "ids": [cid for _, cid in chunk]})


def drop_texts(conn, company_ids: Iterable[int]) -> None:
    """Delete the search texts of these companies (their term rows are the caller's)."""
    for chunk in bulk.chunks(conn, sorted(company_ids)):
        conn.execute(delete(CompanySearchText).where(
            bulk.one_of(conn, CompanySearchText.company_id, chunk)))


def forget(session: Session, company_ids: Iterable[int]) -> None:
    """Drop the search terms of companies about to be deleted (the terms hold no foreign
    key to cascade by): the rows their search texts list, then the texts."""
    held = held_texts(session, company_ids)
    conn = session.connection()
    drop_terms(conn, [(term, cid) for cid, text in held.items() for term in split_terms(text)])
    drop_texts(conn, held)


def reindex(session: Session, company_ids: Iterable[int]) -> None:
    """Rebuild the search terms of these companies from their names, aliases and phones
    (only the rows that change are written)."""
    ids = sorted(set(company_ids))
    if not ids:
        return
    conn = session.connection()
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start:chunk_start + 500]
        texts: dict[int, list[str | None]] = {i: [] for i in chunk}
        numbers: dict[int, list[str | None]] = {i: [] for i in chunk}
        for cid, zh, en in conn.execute(select(Company.id, Company.name_zh, Company.name_en)
                                        .where(Company.id.in_(chunk))):
            texts[cid] += [zh, en]
        for cid, alias in conn.execute(select(CompanyAlias.company_id, CompanyAlias.name)
                                       .where(CompanyAlias.company_id.in_(chunk))):
            texts[cid].append(alias)
        for cid, e164 in conn.execute(select(CompanyPhone.company_id, CompanyPhone.e164)
                                      .where(CompanyPhone.company_id.in_(chunk))):
            numbers[cid].append(e164)
        for cid, mobile, landline in conn.execute(
                select(Contact.company_id, Contact.mobile_e164, Contact.landline_e164)
                .where(Contact.company_id.in_(chunk))):
            numbers[cid] += [mobile, landline]
        existing = set(conn.execute(select(Company.id).where(Company.id.in_(chunk))).scalars())
        held = {cid: split_terms(text) for cid, text in held_texts(session, chunk).items()}
        wanted = {cid: company_terms(texts[cid], numbers[cid]) for cid in chunk if cid in existing}
        drop_terms(conn, [(term, cid) for cid, terms in held.items()
                          for term in terms - wanted.get(cid, set())])
        rows = [{"company_id": cid, "term": term} for cid, terms in wanted.items()
                for term in sorted(terms - held.get(cid, set()))]
        if rows:
            conn.execute(insert(CompanySearchTerm), rows)
        drop_texts(conn, held)
        text_rows = [{"company_id": cid, "terms": joined_terms(terms)}
                     for cid, terms in wanted.items() if terms]
        if text_rows:
            conn.execute(insert(CompanySearchText), text_rows)


_NAME_FIELDS = {"name_zh", "name_en"}


def _touched_companies(session: Session) -> set[int]:
    ids: set[int] = set()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, Company):
            if obj in session.new or any(
                    session.is_modified(obj) and _changed(obj, f) for f in _NAME_FIELDS):
                ids.add(obj.id)
        elif isinstance(obj, (CompanyAlias, CompanyPhone, Contact)) and obj.company_id:
            ids.add(obj.company_id)
    return ids


def _changed(obj, field: str) -> bool:
    from sqlalchemy import inspect
    return inspect(obj).attrs[field].history.has_changes()


@event.listens_for(Session, "after_flush")
def _keep_terms_current(session: Session, _ctx) -> None:
    if session.info.get("skip_search_index"):
        return
    ids = {i for i in _touched_companies(session) if i is not None}
    if ids:
        reindex(session, ids)
