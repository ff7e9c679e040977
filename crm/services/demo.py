"""Demo data (演示数据): fill an empty database with a realistic sample, the same for a seed.

The word lists and fixed records live in data/demo_seeds.yaml; this module only combines
them. Rows are written through the ORM on the caller's session, so the audit log and the
company search index are filled by their session hooks like for any other write; the
session is flushed in batches so a few hundred exhibitors load in seconds.
"""
from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import phonenumbers
from pypinyin import lazy_pinyin
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session
from stdnum.cn import uscc
from werkzeug.security import generate_password_hash

from crm.db import Base
from crm.models import (
    BoothType,
    Company,
    CompanyAlias,
    CompanyEmail,
    CompanyKind,
    CompanyKindLink,
    CompanyPhone,
    CompetitorProfile,
    Contact,
    CountryPavilion,
    Department,
    Exhibition,
    ExhibitorOrigin,
    Hall,
    Industry,
    MediaProfile,
    Participation,
    Role,
    User,
    Venue,
)
from crm.services import audit, phones, reference, venue_specs
from crm.services.errors import Conflict, N_

SEEDS_FILE = reference.DATA_DIR / "demo_seeds.yaml"
DEMO_PASSWORD = "demo"
SOURCE = "demo"
BATCH = 100
KEPT_ON_RESET = {"audit_log"}  # history survives a reset; it records the reset itself
MOBILE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150",
                   "151", "152", "155", "156", "157", "158", "159", "176", "177", "180",
                   "181", "182", "183", "185", "186", "187", "188", "189", "199"]
STANDARD_AREAS = [9, 9, 12, 18]
SPECIAL_AREAS = [36, 54, 72, 81, 96, 108, 120, 144, 162, 180, 216]
LARGE_AREAS = [240, 288, 324, 360, 400, 450, 500, 600]


class DemoDataExists(Conflict):
    """The database already holds companies; demo data goes only into an empty one."""


@dataclass(frozen=True)
class DemoLogin:
    """A demo account: sign in with its username and the password "demo"."""

    username: str
    role: str
    display_name: str


@dataclass
class DemoSummary:
    """What load_demo wrote, counted in the database afterwards."""

    departments: int = 0
    users: int = 0
    industries: int = 0
    venues: int = 0
    halls: int = 0
    exhibitions: int = 0
    pavilions: int = 0
    companies: int = 0
    exhibitors: int = 0
    organizers: int = 0
    agents: int = 0
    foreign_companies: int = 0
    competitors: int = 0
    media: int = 0
    contacts: int = 0
    phones: int = 0
    participations: int = 0
    key_clients: int = 0
    owned_companies: int = 0
    logins: list[DemoLogin] = field(default_factory=list)


# --- entry point ------------------------------------------------------------------------

def load_demo(session: Session, *, seed: int = 7, exhibitors: int = 400, reset: bool = False,
              seeds_path: str | Path | None = None,
              venue_folder: str | Path | None = None) -> DemoSummary:
    """Fill an empty database with demo data and return what it holds afterwards.

    Refuses when companies exist, unless reset=True, which first deletes every business
    row (the audit log is kept). The caller commits.
    """
    if exhibitors < 1:
        raise ValueError("exhibitors must be at least 1")
    existing = session.scalar(select(func.count(Company.id))) or 0
    if existing and not reset:
        raise DemoDataExists(N_("The database already holds %(count)s companies. Demo data "
                                "goes only into an empty database; reset it to replace "
                                "everything."), count=existing)
    if reset:
        delete_business_rows(session)
    seeds = read_seeds(seeds_path)
    with session.no_autoflush:
        _DemoBuilder(session, random.Random(seed), seeds).build(exhibitors, venue_folder)
    session.flush()
    from crm.services import demo_calls  # call lists, calls, leads, attribution

    demo_calls.load(session, random.Random(seed + 1))
    from crm.services import demo_visits  # the executor's desk: visits, a filed report

    demo_visits.load(session)
    from crm.services import demo_jobs  # scheduled jobs, this morning's reminders

    demo_jobs.load(session)
    from crm.services import demo_design_intel  # design requests, materials, field intel

    demo_design_intel.load(session)
    return summarize(session, [u["username"] for u in seeds["users"]])


def read_seeds(path: str | Path | None = None) -> dict[str, Any]:
    """Return the demo seed lists of data/demo_seeds.yaml."""
    return reference.load_yaml(path or SEEDS_FILE)


def delete_business_rows(session: Session) -> None:
    """Delete the rows of every business table, children first; keep the audit log."""
    session.flush()
    conn = session.connection()
    present = set(inspect(conn).get_table_names())
    for table in reversed(Base.metadata.sorted_tables):
        if table.name in present and table.name not in KEPT_ON_RESET:
            conn.execute(table.delete())
    session.expunge_all()  # the rows are gone; so must be their stale objects
    audit.record(session, "reset", "demo", None)


def summarize(session: Session, usernames: Sequence[str] = ()) -> DemoSummary:
    """Count the demo-relevant rows of the database."""
    def count(model, *where) -> int:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    def of_kind(kind: CompanyKind) -> int:
        return count(CompanyKindLink, CompanyKindLink.kind == kind.value)

    users = session.scalars(select(User).where(User.username.in_(usernames))).all()
    order = {name: i for i, name in enumerate(usernames)}
    return DemoSummary(
        departments=count(Department), users=count(User), industries=count(Industry),
        venues=count(Venue), halls=count(Hall), exhibitions=count(Exhibition),
        pavilions=count(CountryPavilion), companies=count(Company),
        exhibitors=of_kind(CompanyKind.EXHIBITOR), organizers=of_kind(CompanyKind.ORGANIZER),
        agents=of_kind(CompanyKind.AGENT),
        foreign_companies=count(Company, Company.country != "CN"),
        competitors=count(CompetitorProfile), media=count(MediaProfile),
        contacts=count(Contact), phones=count(CompanyPhone),
        participations=count(Participation),
        key_clients=count(Company, Company.is_key_client.is_(True)),
        owned_companies=count(Company, Company.owner_id.is_not(None)),
        logins=[DemoLogin(u.username, str(u.role), u.display_name)
                for u in sorted(users, key=lambda u: order[u.username])])


# --- small generators ---------------------------------------------------------------------

def credit_code(rng: random.Random, adcode: str) -> str:
    """Return a well-formed unified social credit code (统一社会信用代码) for a region."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    if rng.random() < 0.5:
        body = "MA" + "".join(rng.choice(alphabet) for _ in range(6))
    else:
        body = "".join(rng.choice("0123456789") for _ in range(8))
    org_code = body + _organization_check(body)
    stem = "91" + adcode + org_code
    return stem + uscc.calc_check_digit(stem)


def _organization_check(body: str) -> str:
    # GB 11714 organisation-code check character, so the embedded code is well formed too.
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    values = [int(c) if c.isdigit() else ord(c) - 55 for c in body]  # A=10 … Z=35
    total = sum(w * v for w, v in zip(weights, values, strict=True))
    digit = 11 - total % 11
    return {10: "X", 11: "0"}.get(digit, str(digit))


def fill_digits(rng: random.Random, template: str) -> str:
    """Replace each {n} of a phone template with n random digits (the first not 0 or 1)."""
    def digits(match: re.Match) -> str:
        n = int(match.group(1))
        return rng.choice("23456789") + "".join(rng.choice("0123456789") for _ in range(n - 1))
    return re.sub(r"\{(\d+)\}", digits, template)


def syllables(text: str) -> list[str]:
    return [s for s in lazy_pinyin(text) if s.isalpha()]


def ascii_slug(text: str) -> str:
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "è": "e", "é": "e",
                           "ê": "e", "à": "a", "ç": "c"})
    return re.sub(r"[^a-z0-9]", "", text.lower().translate(table))


# --- the builder --------------------------------------------------------------------------

class _DemoBuilder:
    """Build the demo rows on a session from the seed lists and one random generator."""

    def __init__(self, session: Session, rng: random.Random, seeds: dict[str, Any]) -> None:
        self.s, self.rng, self.seeds = session, rng, seeds
        self.users: dict[str, User] = {}
        self.industries: dict[str, Industry] = {}
        self.shows: list[tuple[dict, Exhibition]] = []
        self.builders: list[Company] = []
        self.names: set[str] = set()
        self.domains: set[str] = set()
        self.codes: set[str] = set()
        self.booths: set[tuple[int, str]] = set()
        self.pending = 0
        self.cities = self._city_pool()
        weights = seeds["city_weights"]
        self.city_weights = [weights.get(c.short, 1) for _, c in self.cities]

    def build(self, exhibitors: int, venue_folder: str | Path | None) -> None:
        self._departments_and_users()
        reference.seed_industries(self.s)
        self.industries = {i.code: i for i in self.s.scalars(select(Industry))}
        venue_specs.sync_venues(self.s, venue_specs.load_all(venue_folder))
        self._exhibitions()
        self._competitors()
        self._media()
        members = self._pavilions(exhibitors - 1)
        self._haier()
        for _ in range(exhibitors - 1 - members):
            self._exhibitor()

    # people who log in

    def _departments_and_users(self) -> None:
        depts = {d.code: d for d in self.s.scalars(select(Department))}
        for row in self.seeds["departments"]:
            if row["code"] not in depts:
                depts[row["code"]] = Department(**row)
                self.s.add(depts[row["code"]])
        existing = {u.username: u for u in self.s.scalars(select(User))}
        # One hash for all demo accounts: the password is public anyway, and scrypt is slow.
        password_hash = generate_password_hash(DEMO_PASSWORD)
        for row in self.seeds["users"]:
            user = existing.get(row["username"]) or self._user(row, depts, password_hash)
            self.users[row["username"]] = user

    def _user(self, row: dict, depts: dict[str, Department], password_hash: str) -> User:
        user = User(username=row["username"], display_name=row["display_name"],
                    role=Role(row["role"]), department=depts.get(row["department"]),
                    email=f"{row['username']}@expolead.example", locale="zh_CN",
                    password_hash=password_hash)
        self.s.add(user)
        return user

    # places

    @staticmethod
    def _city_pool() -> list[tuple[reference.Province, reference.City]]:
        """Cities with an area code and a division code, for phones and credit codes."""
        return [(p, c) for p in reference.load_regions() for c in p.cities
                if c.area_code and c.adcode]

    def _pick_city(self) -> tuple[reference.Province, reference.City]:
        return self.rng.choices(self.cities, self.city_weights)[0]

    @staticmethod
    def _city(name: str) -> tuple[reference.Province, reference.City]:
        return reference.province_of_city(name), reference.city(name)

    # shows and the companies around them

    def _exhibitions(self) -> None:
        venues = {v.code: v for v in self.s.scalars(select(Venue))}
        organizers: dict[str, Company] = {}
        for cfg in self.seeds["exhibitions"]:
            org = cfg["organizer"]
            if org["name_zh"] not in organizers:
                organizers[org["name_zh"]] = self._domestic_company(
                    org["name_zh"], org["name_en"], self._city(org["city"]),
                    cfg["industry"], [CompanyKind.ORGANIZER], "expo")
            self.shows.append((cfg, self._exhibition(cfg, venues[cfg["venue"]],
                                                     organizers[org["name_zh"]])))

    def _exhibition(self, cfg: dict, venue: Venue, organizer: Company) -> Exhibition:
        province = reference.province_of_city(venue.city)
        show = Exhibition(
            name_zh=cfg["name_zh"], name_en=cfg["name_en"], year=cfg["year"],
            starts_on=cfg["starts_on"], ends_on=cfg["ends_on"], city=venue.city,
            venue=venue, halls=", ".join(cfg["halls"]), organizer=organizer,
            industry=self.industries[cfg["industry"]], value_rating=cfg["value_rating"],
            value_note=cfg["value_note"], region=province.region if province else None)
        self.s.add(show)
        return show

    def _show(self, name_zh: str, year: int) -> tuple[dict, Exhibition]:
        return next(s for s in self.shows if s[0]["name_zh"] == name_zh and s[0]["year"] == year)

    def _competitors(self) -> None:
        for row in self.seeds["competitors"]:
            company = self._domestic_company(row["name_zh"], row["name_en"],
                                             self._city(row["city"]), None,
                                             [CompanyKind.COMPETITOR], "expo")
            profile = {k: v for k, v in row.items() if k not in ("name_zh", "name_en", "city")}
            profile["annual_revenue"] = Decimal(profile["annual_revenue"])
            self.s.add(CompetitorProfile(company=company, **profile))
            self.builders.append(company)

    def _media(self) -> None:
        for row in self.seeds["media"]:
            company = self._domestic_company(row["name_zh"], row["name_en"],
                                             self._city(row["city"]), row["industry"],
                                             [CompanyKind.MEDIA], "media")
            profile = {k: row[k] for k in ("media_type", "circulation", "wechat_account",
                                           "ad_rates", "cooperation")}
            self.s.add(MediaProfile(company=company, industry=self.industries[row["industry"]],
                                    **profile))

    def _pavilions(self, budget: int) -> int:
        """Create the country pavilions with their trade bodies and members; return members."""
        per_show = max(1, min(4, budget // 60))
        members = 0
        for cfg in self.seeds["pavilions"]:
            body = self._trade_body(cfg)
            pavilion = CountryPavilion(
                country=cfg["country"], name_zh=cfg["name_zh"], name_en=cfg["name_en"],
                organizer=body, pavilion_type=cfg["pavilion_type"], status=cfg["status"],
                website=cfg["organizer"]["website"], owner=self.users["mkt1"])
            self.s.add(pavilion)
            for name_zh, year in cfg["shows"]:
                take = min(per_show, budget - members)
                members += self._pavilion_at_show(pavilion, body, self._show(name_zh, year), take)
        return members

    def _trade_body(self, cfg: dict) -> Company:
        org = cfg["organizer"]
        return self._company(name_zh=org["name_zh"], name_en=org["name_en"],
                             country=cfg["country"], website=org["website"],
                             kinds=[CompanyKind.PAVILION_ORGANIZER])

    def _pavilion_at_show(self, pavilion: CountryPavilion, body: Company,
                          show: tuple[dict, Exhibition], members: int) -> int:
        cfg, exhibition = show
        hall = self.rng.choice(cfg["halls"])
        code = pavilion.country
        area = Decimal(self.rng.choice([150, 200, 240, 300, 360]))
        self._participation(body, exhibition, f"{hall}-{code}", hall, area, BoothType.SPECIAL,
                            ExhibitorOrigin.FOREIGN, pavilion=pavilion, early=cfg.get("early_list"))
        for n in range(1, members + 1):
            industry = self.rng.choice(cfg["exhibitor_industries"])
            company = self._foreign_company(code, industry)
            self._participation(company, exhibition, f"{hall}-{code}{n:02d}", hall,
                                Decimal(self.rng.choice([9, 12])), BoothType.STANDARD,
                                ExhibitorOrigin.FOREIGN, pavilion=pavilion,
                                early=cfg.get("early_list"))
        return members

    def _haier(self) -> None:
        row = self.seeds["haier"]
        province, city = self._city(row["city"])
        company = self._company(
            name_zh=row["name_zh"], name_en=row["name_en"], province=province.name_zh,
            city=city.name_zh, website=row["website"], industry=row["industry"],
            kinds=[CompanyKind.EXHIBITOR], is_key_client=True, owner=self.users["exec1"],
            phones=[self._landline(city)])
        self._contacts(company, None, 2)
        _, exhibition = self._show(*row["show"])
        self._participation(company, exhibition, row["booth_no"], row["hall"],
                            Decimal(row["area_m2"]), BoothType.SPECIAL, ExhibitorOrigin.DOMESTIC,
                            builder=None)

    def _exhibitor(self) -> None:
        cfg, exhibition = self.rng.choices(self.shows, [s[0]["weight"] for s in self.shows])[0]
        industry = self.rng.choice(cfg["exhibitor_industries"])
        roll = self.rng.random()
        if roll < 0.12:
            origin, company = ExhibitorOrigin.FOREIGN, self._foreign_company(
                self.rng.choice(sorted(self.seeds["foreign"])), industry)
        elif roll < 0.22:
            origin, company = ExhibitorOrigin.AGENT, self._agent(industry)
        else:
            origin, company = ExhibitorOrigin.DOMESTIC, self._generated_domestic(industry)
        self._exhibit(company, exhibition, cfg, origin)
        for other_cfg, other in self.shows:
            if other is not exhibition and industry in other_cfg["exhibitor_industries"] \
                    and self.rng.random() < 0.35:
                self._exhibit(company, other, other_cfg, origin)

    def _exhibit(self, company: Company, exhibition: Exhibition, cfg: dict,
                 origin: ExhibitorOrigin) -> None:
        area, booth_type = self._booth_size()
        hall = self.rng.choice(cfg["halls"])
        booth_no = self._booth_no(exhibition, hall)
        builder = (self.rng.choice(self.builders)
                   if booth_type == BoothType.SPECIAL and self.rng.random() < 0.35 else None)
        self._participation(company, exhibition, booth_no, hall, area, booth_type, origin,
                            builder=builder, early=cfg.get("early_list"))
        if area >= 144 and booth_type == BoothType.SPECIAL and self.rng.random() < 0.3:
            company.is_key_client = True
            company.owner = company.owner or self.users[self.rng.choice(["exec1", "exec2"])]

    def _booth_size(self) -> tuple[Decimal, BoothType]:
        roll = self.rng.random()
        if roll < 0.40:
            return Decimal(self.rng.choice(STANDARD_AREAS)), BoothType.STANDARD
        large = roll >= 0.80
        area = self.rng.choice(LARGE_AREAS if large else SPECIAL_AREAS)
        special = self.rng.random() < (0.9 if large else 0.7)
        return Decimal(area), BoothType.SPECIAL if special else BoothType.RAW_SPACE

    def _booth_no(self, exhibition: Exhibition, hall: str) -> str:
        while True:
            booth = f"{hall}-{self.rng.choice('ABCDEFGH')}{self.rng.randint(1, 60):02d}"
            if (id(exhibition), booth) not in self.booths:
                self.booths.add((id(exhibition), booth))
                return booth

    def _participation(self, company: Company, exhibition: Exhibition, booth_no: str | None,
                       hall: str | None, area: Decimal, booth_type: BoothType,
                       origin: ExhibitorOrigin, *, pavilion: CountryPavilion | None = None,
                       builder: Company | None = None, early: bool = False) -> None:
        if early:  # the organizer's early list has no booth numbers yet
            booth_no = hall = None
        source = ("主办方提前名单" if early
                  else f"{exhibition.year}{exhibition.name_zh}会刊")
        self.s.add(Participation(
            company=company, exhibition=exhibition, booth_no=booth_no, hall=hall, area_m2=area,
            booth_type=booth_type.value, origin=origin.value, pavilion=pavilion,
            builder=builder, source=source))

    # companies

    def _generated_domestic(self, industry: str) -> Company:
        place = self._pick_city()
        word_zh, word_en = self.rng.choice(self.seeds["industry_words"][industry])
        name_zh, name_en, trade = self._domestic_names(place[1], word_zh, word_en)
        company = self._domestic_company(name_zh, name_en, place, industry,
                                         [CompanyKind.EXHIBITOR], trade=trade)
        if self.rng.random() < 0.12:
            company.owner = self.users[self.rng.choice(["exec1", "exec2"])]
        return company

    def _agent(self, industry: str) -> Company:
        place = self._pick_city()
        word_zh, word_en = self.rng.choice(self.seeds["agent_words"])
        name_zh, name_en, trade = self._domestic_names(place[1], word_zh, word_en,
                                                       form="有限公司")
        return self._domestic_company(name_zh, name_en, place, industry,
                                      [CompanyKind.EXHIBITOR, CompanyKind.AGENT], trade=trade)

    def _domestic_names(self, city: reference.City, word_zh: str, word_en: str,
                        form: str | None = None) -> tuple[str, str | None, str]:
        seeds = self.seeds
        while True:
            trade = (self.rng.choice(seeds["trade_name_first"])
                     + self.rng.choice(seeds["trade_name_second"]))
            legal = form or self.rng.choice(seeds["legal_forms_zh"])
            if len(word_zh) > 2 and legal.startswith("科技"):
                legal = "有限公司"
            pattern = self.rng.random()
            if pattern < 0.7:
                name_zh = f"{city.short}{trade}{word_zh}{legal}"
            elif pattern < 0.9:
                name_zh = f"{trade}{word_zh}{legal}"
            else:
                name_zh = f"{trade}({city.short}){word_zh}{legal}"
            if name_zh not in self.names:
                break
        trade_en = "".join(syllables(trade)).capitalize()
        place_en = f"{city.pinyin} " if pattern < 0.7 else ""
        name_en = (f"{place_en}{trade_en} {word_en} Co., Ltd."
                   if self.rng.random() < 0.8 else None)
        return name_zh, name_en, trade

    def _domestic_company(self, name_zh: str, name_en: str | None,
                          place: tuple[reference.Province, reference.City],
                          industry: str | None, kinds: list[CompanyKind],
                          domain_word: str | None = None, trade: str | None = None) -> Company:
        province, city = place
        trade = trade or name_zh.removeprefix(city.short)[:2]
        domain = self._domain("".join(syllables(trade)),
                              domain_word or self.rng.choice(
                                  self.seeds["domain_words"].get(industry, ["group"])))
        code = credit_code(self.rng, city.adcode) if self.rng.random() < 0.5 else None
        company = self._company(
            name_zh=name_zh, name_en=name_en, province=province.name_zh, city=city.name_zh,
            address=f"{city.name_zh}{self.rng.choice(self.seeds['roads'])}"
                    f"{self.rng.randint(1, 999)}号",
            website=f"https://www.{domain}", industry=industry, kinds=kinds,
            credit_code=code if code not in self.codes else None,
            phones=self._company_phones(city), emails=self._mailboxes(domain))
        if code:
            self.codes.add(code)
        self._contacts(company, domain, self.rng.randint(2, 3))
        return company

    def _foreign_company(self, country: str, industry: str) -> Company:
        spec = self.seeds["foreign"][country]
        word_en = self.rng.choice(self.seeds["industry_words"][industry])[1]
        while True:
            family = self.rng.choice(spec["names"])
            name_en = f"{family} {word_en} {self.rng.choice(spec['forms'])}"
            if name_en not in self.names:
                break
        domain = self._domain(ascii_slug(family) + "-" + ascii_slug(word_en.split()[0]),
                              None, tld=spec["tld"])
        company = self._company(
            name_en=name_en, country=country, website=f"https://www.{domain}",
            industry=industry, kinds=[CompanyKind.EXHIBITOR],
            phones=[self._foreign_phone(spec, country)], emails=[f"info@{domain}"])
        self._foreign_contacts(company, spec, domain)
        return company

    def _domain(self, stem: str, word: str | None, tld: str | None = None) -> str:
        tld = tld or self.rng.choice(["com", "com.cn", "cn"])
        candidates = [f"{stem}{word}" if word else stem, f"{stem}-{word}" if word else None]
        candidates += [f"{stem}{word or ''}{n}" for n in range(1, 1000)]
        domain = next(f"{c}.{tld}" for c in candidates if c and f"{c}.{tld}" not in self.domains)
        self.domains.add(domain)
        return domain

    def _company(self, *, kinds: list[CompanyKind], industry: str | None = None,
                 phones: Sequence[tuple[str, str]] = (), emails: Sequence[str] = (),
                 **fields: Any) -> Company:
        fields.setdefault("country", "CN")
        company = Company(industry=self.industries.get(industry or ""), **fields)
        company.website_domain = _host(fields.get("website"))
        company.kinds = [CompanyKindLink(kind=k.value) for k in kinds]
        company.aliases = [CompanyAlias(name=n, script="zh" if i == 0 else "en", source=SOURCE)
                           for i, n in enumerate((company.name_zh, company.name_en))
                           if n]
        company.phones = [self._phone_row(raw, kind, company.country) for raw, kind in phones]
        company.emails = [CompanyEmail(email=e, domain=e.split("@")[1], source=SOURCE)
                          for e in emails]
        self.names.update(n for n in (company.name_zh, company.name_en) if n)
        self.s.add(company)
        self._maybe_flush()
        return company

    def _maybe_flush(self) -> None:
        self.pending += 1
        if self.pending % BATCH == 0:
            self.s.flush()

    # phones, e-mails, contacts

    @staticmethod
    def _phone_row(raw: str, kind: str, country: str) -> CompanyPhone:
        phone = phones.normalize(raw, country)
        return CompanyPhone(raw=phone.raw, e164=phone.e164, extension=phone.extension,
                            kind=kind if kind == "fax" else phone.kind, source=SOURCE)

    def _local_number(self, area_code: str) -> str:
        """Return a local number that is valid behind the area code (7 or 8 digits)."""
        for attempt in range(60):
            rest = "".join(self.rng.choice("0123456789") for _ in range(7 - attempt % 2))
            local = self.rng.choice("2345678") + rest
            if phonenumbers.is_valid_number(phonenumbers.parse(area_code + local, "CN")):
                return local
        raise ValueError(f"no valid local number found for area code {area_code}")

    def _landline(self, city: reference.City, kind: str = "landline") -> tuple[str, str]:
        local = self._local_number(city.area_code)
        style = self.rng.random()
        if style < 0.6:
            raw = f"{city.area_code}-{local}"
        elif style < 0.8:
            raw = f"({city.area_code}){local}"
        else:
            raw = f"{city.area_code} {local[:4]} {local[4:]}"
        if kind == "landline" and self.rng.random() < 0.25:
            raw += f" 转 {self.rng.randint(800, 899)}"
        return raw, kind

    def _mobile(self) -> str:
        number = self.rng.choice(MOBILE_PREFIXES) + fill_digits(self.rng, "{8}")
        style = self.rng.random()
        if style < 0.6:
            return number
        if style < 0.8:
            return f"{number[:3]} {number[3:7]} {number[7:]}"
        return f"+86 {number[:3]}-{number[3:7]}-{number[7:]}"

    def _company_phones(self, city: reference.City) -> list[tuple[str, str]]:
        rows = [self._landline(city)]
        if self.rng.random() < 0.3:
            rows.append((self._mobile(), "mobile"))
        if self.rng.random() < 0.15:
            rows.append(self._landline(city, "fax"))
        return rows

    def _foreign_phone(self, spec: dict, country: str) -> tuple[str, str]:
        while True:
            raw = fill_digits(self.rng, self.rng.choice(spec["phone"]))
            if phones.normalize(raw, country).e164:
                return raw, "landline"

    def _mailboxes(self, domain: str) -> list[str]:
        boxes = self.rng.sample(self.seeds["people"]["company_mailboxes"], self.rng.randint(1, 2))
        return [f"{box}@{domain}" for box in boxes]

    def _person(self) -> tuple[str, list[str], list[str]]:
        people = self.seeds["people"]
        surname, given = self.rng.choice(people["surnames"]), self.rng.choice(people["given_names"])
        return surname + given, syllables(surname), syllables(given)

    def _contacts(self, company: Company, domain: str | None, count: int) -> None:
        titles = self.rng.sample(self.seeds["people"]["titles"], count)
        for title, department in titles:
            name, family, given = self._person()
            mobile = self._mobile()
            mobile_phone = phones.normalize(mobile)
            local = "".join(given) + "." + "".join(family) if self.rng.random() < 0.5 \
                else "".join(family) + "".join(g[0] for g in given)
            email = f"{local}@{domain}" if domain else None
            wechat = (self.rng.choice([f"{''.join(family + given)}{self.rng.randint(1, 999)}",
                                       mobile_phone.national_digits])
                      if self.rng.random() < 0.6 else None)
            company.contacts.append(Contact(
                name=name, title=title, department=department, mobile=mobile,
                mobile_e164=mobile_phone.e164, email=email, wechat=wechat, source=SOURCE))

    def _foreign_contacts(self, company: Company, spec: dict, domain: str) -> None:
        first = self.rng.choice(spec["first_names"])
        family = company.name_en.split()[0]
        company.contacts.append(Contact(
            name=f"{first} {family}", title="Export Sales Manager", department="Sales",
            email=f"{ascii_slug(first)}.{ascii_slug(family)}@{domain}", source=SOURCE))
        if self.rng.random() < 0.5:
            name, _, _ = self._person()
            mobile = self._mobile()
            company.contacts.append(Contact(
                name=name, title="中国区销售经理", department="中国代表处", mobile=mobile,
                mobile_e164=phones.normalize(mobile).e164, source=SOURCE))


def _host(website: str | None) -> str | None:
    if not website:
        return None
    host = website.split("//", 1)[-1].split("/", 1)[0].lower()
    return host.removeprefix("www.")

