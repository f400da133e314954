"""SQLAlchemy models, repositories and Alembic migrations."""

from storage import models as _models  # noqa: F401  (registers every table before anything else)
