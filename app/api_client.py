"""The app's side of the Ombro HTTP API: sign-in, join a class, progress.

The sign-in is persisted (`session.json` in the user data dir) so attempts recorded before the
app was killed are synced under the right student after a restart. Every failure becomes an
`ApiError` whose message can be shown to the student as is.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

from ombro_contract.errors import OmbroError

SESSION_FILE = "session.json"


class ApiError(OmbroError):
    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Session:
    """A signed-in student (or teacher) on this device; `owner` keys their local attempts."""

    access_token: str
    user_id: str
    username: str
    role: str = "student"
    expires_at: str | None = None

    @property
    def owner(self) -> str:
        return f"user:{self.user_id}"


def save_session(data_dir: Path, session: Session | None) -> None:
    path = Path(data_dir) / SESSION_FILE
    if session is None:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".session-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(asdict(session), fh)
    os.chmod(tmp, 0o600)  # a bearer token: readable by this user only
    os.replace(tmp, path)


def load_session(data_dir: Path) -> Session | None:
    try:
        return Session(**json.loads((Path(data_dir) / SESSION_FILE).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def _detail(resp: httpx.Response) -> str:
    try:
        detail = resp.json().get("detail")
    except ValueError:
        detail = None
    if isinstance(detail, list):  # FastAPI validation errors
        detail = "; ".join(str(d.get("msg", d)) for d in detail)
    return str(detail or resp.reason_phrase or resp.status_code)


class OmbroApi:
    def __init__(self, server_url: str, timeout: float = 10.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.server_url = server_url.rstrip("/")
        self.client = httpx.Client(base_url=self.server_url, timeout=timeout, transport=transport)

    def close(self) -> None:
        self.client.close()

    def _call(self, method: str, path: str, token: str | None = None, **kw) -> httpx.Response:
        headers = kw.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            resp = self.client.request(method, "/api/v1" + path, headers=headers, **kw)
        except httpx.HTTPError as exc:
            raise ApiError(
                f"cannot reach the server at {self.server_url} ({type(exc).__name__}); "
                "check the address in Settings or practise offline"
            ) from exc
        if resp.status_code == 429:
            raise ApiError("too many tries: wait a minute, then try again", 429)
        if resp.status_code == 401:
            raise ApiError(f"not signed in: {_detail(resp)}", 401)
        if not resp.is_success:
            raise ApiError(_detail(resp), resp.status_code)
        return resp

    def _session(self, body: dict, username: str) -> Session:
        return Session(
            access_token=body["access_token"], user_id=str(body["user_id"]), username=username,
            role=body.get("role", "student"), expires_at=body.get("expires_at"),
        )

    def sign_in(self, username: str, password: str) -> Session:
        if not username or not password:
            raise ApiError("enter your username and password")
        resp = self._call("POST", "/auth/token", data={"username": username, "password": password})
        return self._session(resp.json(), username)

    def join(self, join_code: str, username: str, password: str, display_name: str) -> Session:
        if not (join_code and username and password):
            raise ApiError("enter the class code from your teacher, a username and a password")
        resp = self._call("POST", "/auth/join", json={
            "join_code": join_code.strip(), "username": username, "password": password,
            "display_name": display_name or username,
        })
        return self._session(resp.json(), username)

    def sign_out(self, session: Session) -> None:
        try:
            self._call("POST", "/auth/logout", token=session.access_token)
        except ApiError:
            pass  # signing out locally must always work, even offline

    def progress(self, session: Session) -> dict:
        return self._call("GET", "/students/me/progress", token=session.access_token).json()
