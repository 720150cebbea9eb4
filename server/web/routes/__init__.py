"""Dashboard pages, one module per area: sign-in, classes and students, model channels."""

from fastapi import APIRouter

from . import auth, classes, models

router = APIRouter(include_in_schema=False)
router.include_router(auth.router)
router.include_router(classes.router)
router.include_router(models.router)

__all__ = ["router"]
