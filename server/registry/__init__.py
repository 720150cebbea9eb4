"""The model registry: validated, immutable model files plus channel pointers.

`storage` writes files atomically and publishes the database row only once the file is durable;
`validation` decides whether an upload is a model the apps can run; `channels` moves pointers.
"""

from .channels import ChannelError, current_version, history, promote, rollback, server_model
from .storage import ModelStore
from .validation import UploadRejected, validate_model

__all__ = [
    "ChannelError",
    "ModelStore",
    "UploadRejected",
    "current_version",
    "history",
    "promote",
    "rollback",
    "server_model",
    "validate_model",
]
