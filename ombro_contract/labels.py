"""The puppet label list: the 15 HaSPeR classes in one fixed order.

The order is the model's output order. It is alphabetical, which is also what torchvision's
ImageFolder infers from HaSPeR's folders, but training verifies that instead of assuming it.
Changing it invalidates every published model.
"""

from .errors import UnknownPuppetError

PUPPETS: tuple[str, ...] = (
    "bird",
    "chicken",
    "cow",
    "crab",
    "deer",
    "dog",
    "elephant",
    "horse",
    "llama",
    "moose",
    "panther",
    "rabbit",
    "snail",
    "snake",
    "swan",
)
NUM_CLASSES = len(PUPPETS)
_INDEX = {name: i for i, name in enumerate(PUPPETS)}


def puppet_index(name: str) -> int:
    """Index of a puppet in the model output; a clear error for anything else."""
    try:
        return _INDEX[name]
    except KeyError:
        raise UnknownPuppetError(
            f"unknown puppet {name!r}: expected one of {', '.join(PUPPETS)}"
        ) from None


def check_puppet(name: str) -> str:
    puppet_index(name)
    return name
