"""Errors shared by training, app and server.

One hierarchy so callers can catch `OmbroError` at a boundary (an HTTP handler, the app's model
loader) and show the message, which always says what to do next.
"""


class OmbroError(Exception):
    """Base class for every error Ombro raises on purpose."""


class UnknownPuppetError(OmbroError, KeyError):
    """A puppet name that is not one of the 15 contract classes."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else "unknown puppet"


class ImageDecodeError(OmbroError, ValueError):
    """Bytes or a file that are not a decodable image."""


class ModelContractError(OmbroError):
    """A model file or its card breaks the contract; never load such a model."""


class CardMissingError(ModelContractError):
    pass


class CardInvalidError(ModelContractError):
    pass


class ChecksumMismatchError(ModelContractError):
    pass


class ContractMismatchError(ModelContractError):
    pass


class NotAnOnnxModelError(ModelContractError):
    pass
