"""Request and response bodies of the HTTP API (pydantic), kept apart from the tables."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ombro_contract.errors import UnknownPuppetError
from ombro_contract.labels import check_puppet as _check_puppet


def check_puppet(name: str) -> str:
    """The contract's check, as a ValueError so pydantic answers 422 with the message."""
    try:
        return _check_puppet(name)
    except UnknownPuppetError as exc:
        raise ValueError(str(exc)) from None

Username = Field(..., min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime
    role: str
    user_id: int


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    username: str
    display_name: str
    role: str


class MeOut(UserOut):
    class_ids: list[int] = []


class JoinIn(BaseModel):
    join_code: str = Field(..., min_length=4, max_length=32)
    username: str = Username
    password: str = Field(..., min_length=8, max_length=256)
    display_name: str = Field("", max_length=120)


class ClassIn(BaseModel):
    name: str = Field(..., min_length=1, max_length=120)


class ClassOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    teacher_id: int
    join_code: str | None = None  # only shown to the class's teacher
    created_at: datetime


class AssignmentIn(BaseModel):
    puppet: str
    due: date | None = None

    _puppet = field_validator("puppet")(lambda cls, v: check_puppet(v))


class AssignmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    class_id: int
    puppet: str
    due: date | None


class ClassDetailOut(ClassOut):
    students: list[UserOut]
    assignments: list[AssignmentOut]


class AttemptItem(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: uuid.UUID
    puppet: str
    predicted: str
    confidence: float = Field(..., ge=0.0, le=1.0)
    hold_seconds: float = Field(..., ge=0.0, le=3600.0)
    passed: bool
    model_version: str = Field(..., max_length=64)
    device_time: datetime
    # Optional, so apps from before shape feedback keep syncing unchanged.
    shape_match: float | None = Field(None, ge=0.0, le=1.0,
                                      description="best overlap with the target shape (IoU)")
    hint: str | None = Field(None, min_length=1, max_length=16, pattern=r"^[a-z][a-z_]*$",
                             description="the part the app's hint named most, e.g. 'ears'")

    _puppets = field_validator("puppet", "predicted")(lambda cls, v: check_puppet(v))

    @field_validator("device_time")
    @classmethod
    def _aware_utc(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("device_time needs a time zone, e.g. 2026-05-01T10:00:00+02:00")
        try:
            # Converted here, where a failure is a 422: 9999-12-31T23:59:59-14:00 is past
            # datetime.max in UTC and would otherwise overflow on the way into the database.
            return v.astimezone(UTC)
        except OverflowError:
            raise ValueError(
                f"device_time {v.isoformat()} is outside the calendar in UTC; send the phone's "
                "current time"
            ) from None


class AttemptsIn(BaseModel):
    attempts: list[AttemptItem] = Field(..., max_length=500)


class AttemptsOut(BaseModel):
    accepted: list[str]
    duplicates: list[str]


class PuppetProgressOut(BaseModel):
    puppet: str
    attempts: int
    passed: int
    mastery: float
    level: str
    best_confidence: float | None
    fail_streak: int
    last_practice: datetime | None


class HelpReasonOut(BaseModel):
    kind: str
    puppet: str | None
    detail: str


class ProgressOut(BaseModel):
    student: UserOut
    attempts: int
    passed: int
    streak_days: int
    last_practice: datetime | None
    puppets: list[PuppetProgressOut]
    needs_help: list[HelpReasonOut]


class MasteryCellOut(BaseModel):
    mastery: float
    level: str
    attempts: int


class StudentMasteryOut(BaseModel):
    student: UserOut
    puppets: dict[str, MasteryCellOut]
    streak_days: int
    last_practice: datetime | None
    needs_help: list[HelpReasonOut]


class ClassMasteryOut(BaseModel):
    class_id: int
    puppets: list[str]
    assigned: list[str]
    students: list[StudentMasteryOut]


class ModelOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    version: str
    arch: str
    quantization: str
    sha256: str
    size_bytes: int
    created_at: datetime
    channels: list[str] = []


class ManifestOut(BaseModel):
    version: str
    arch: str
    quantization: str
    sha256: str
    size_bytes: int
    download_url: str
    card: dict[str, Any]


class PromoteIn(BaseModel):
    version: str


class ChannelOut(BaseModel):
    channel: str
    arch: str
    version: str


class ScoreItem(BaseModel):
    label: str
    prob: float


class ScoreOut(BaseModel):
    top_k: list[ScoreItem]
    model_version: str = Field(description="the primary model (the best architecture's)")
    models: list[str] = Field(description="every model whose probabilities were averaged, "
                              "primary first")
    flip: bool = Field(description="whether each model's probabilities are the mean over the "
                       "photo and its mirror image (OMBRO_SCORE_FLIP)")
