"""People who log in, their departments and roles, and their API tokens."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db import Base, Timestamped


class Role(enum.StrEnum):
    """A user's job in the company; decides pages, actions and visible rows."""

    TELESALES = "telesales"  # 电话销售
    MARKET_SUPERVISOR = "market_supervisor"  # 市场拓展部主管
    EXECUTOR = "executor"  # 业务执行人员
    EXECUTION_SUPERVISOR = "execution_supervisor"  # 业务执行部主管
    DESIGNER = "designer"  # 设计师
    FINANCE = "finance"  # 财务
    GENERAL_MANAGER = "general_manager"  # 总经理
    ADMIN = "admin"  # 系统管理员


class Department(Base):
    """部门: a department of the company (市场拓展部, 业务执行部, 设计部 …)."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str | None] = mapped_column(String(100))

    users: Mapped[list[User]] = relationship(back_populates="department")

    def __str__(self) -> str:
        return self.name_zh


class User(Timestamped, Base):
    """A person who logs in."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(String(40))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(10))
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column()
    last_login_at: Mapped[datetime | None] = mapped_column()

    department: Mapped[Department | None] = relationship(back_populates="users")

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    # The four members Flask-Login expects of a user object.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        # The hash tail makes a password change end every other session of the user.
        return f"{self.id}:{self.password_hash[-12:]}"

    def __str__(self) -> str:
        return self.display_name


class ApiToken(Base):
    """A personal token for the JSON API; only its hash is stored."""

    __tablename__ = "api_tokens"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64))
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()

    user: Mapped[User] = relationship()
