"""What a person types to get an account: the registration form and e-mail normalisation, with clear errors."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from ai4d_core.security.blocklist import context_words
from ai4d_core.security.passwords import check_policy
from ai4d_core.services.mail import MailError, check_address

MAX_EMAIL = 254
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
FRIENDLY = {
    "display_name": "Enter a display name of 1 to 120 characters.",
    "email": "Enter one e-mail address of at most 254 characters.",
    "password": "Enter a password.",
    "field_of_interest": "Say which field interests you (at most 120 characters).",
    "current_role": "Say what you do now (at most 120 characters).",
    "goal": "Describe your goal in at most 500 characters.",
    "hours_per_week": "Give the hours per week as a number from 0 to 80.",
}


def normalize_email(value: str) -> str:
    """The stored form of an e-mail address (trimmed, lower case); ValueError with a clean message if unusable."""
    email = value.strip().lower()
    if len(email) > MAX_EMAIL:
        raise ValueError(f"an e-mail address has at most {MAX_EMAIL} characters")
    try:
        return check_address(email)
    except MailError:
        raise ValueError("a valid e-mail address is required") from None


def clean_name(value: str, limit: int = 120) -> str:
    """A trimmed display name of 1..`limit` characters without control characters (ValueError otherwise)."""
    name = " ".join(value.split())
    if not name or len(name) > limit or _CONTROL.search(name):
        raise ValueError(f"a display name has 1 to {limit} characters")
    return name


class Registration(BaseModel):
    """A learner's sign-up. The password is checked against the policy with this person's own words."""

    model_config = ConfigDict(str_strip_whitespace=True, frozen=True)

    display_name: str = Field(min_length=1, max_length=120)
    email: str = Field(min_length=3, max_length=MAX_EMAIL)
    password: str = Field(min_length=1, repr=False)
    field_of_interest: str = Field(min_length=1, max_length=120)
    current_role: str = Field(min_length=1, max_length=120)
    goal: str = Field(default="", max_length=500)
    hours_per_week: float = Field(ge=0, le=80)

    @field_validator("display_name")
    @classmethod
    def _name(cls, value: str) -> str:
        return clean_name(value)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return normalize_email(value)

    @field_validator("password")
    @classmethod
    def _password(cls, value: str, info: ValidationInfo) -> str:
        check_policy(value, context_words(info.data.get("email", ""), info.data.get("display_name", "")))
        return value

    @field_validator("field_of_interest", "current_role", "goal")
    @classmethod
    def _plain(cls, value: str) -> str:
        if _CONTROL.search(value.replace("\n", " ").replace("\r", " ").replace("\t", " ")):
            raise ValueError("control characters are not allowed")
        return value


def form_errors(exc: ValidationError) -> dict[str, str]:
    """One message per field, safe to show next to it (the password's policy messages are kept as written)."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "form"
        if error["type"] == "value_error":
            message = str(error["msg"]).removeprefix("Value error, ")
            errors.setdefault(field, message[0].upper() + message[1:] if message else FRIENDLY.get(field, ""))
        else:
            errors.setdefault(field, FRIENDLY.get(field, str(error["msg"])))
    return errors
