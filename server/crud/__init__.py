"""Database operations as plain functions (no HTTP), shared by the API, the dashboard and the CLI.

Functions take a `Session` and flush; the caller (a request's session dependency or a CLI
`session_scope`) owns the commit.
"""

from .attempts import AttemptIn, add_attempts, attempts_for_students
from .classes import (
    JoinPolicy,
    JoinThrottled,
    add_assignment,
    class_for_join_code,
    class_students,
    classes_for_student,
    classes_for_teacher,
    create_class,
    get_class,
    get_class_by_join_code,
    join_class,
    teacher_owns_student,
)
from .tokens import issue_token, resolve_token, revoke_token
from .users import (
    LoginThrottled,
    authenticate,
    create_user,
    get_user,
    get_user_by_username,
)

__all__ = [
    "AttemptIn",
    "JoinPolicy",
    "JoinThrottled",
    "LoginThrottled",
    "add_assignment",
    "add_attempts",
    "attempts_for_students",
    "authenticate",
    "class_for_join_code",
    "class_students",
    "classes_for_student",
    "classes_for_teacher",
    "create_class",
    "create_user",
    "get_class",
    "get_class_by_join_code",
    "get_user",
    "get_user_by_username",
    "issue_token",
    "join_class",
    "resolve_token",
    "revoke_token",
    "teacher_owns_student",
]
