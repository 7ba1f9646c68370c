"""Database tables. Importing this package registers every model on `Base.metadata`."""

from backoffice.models import helpdesk as helpdesk
from backoffice.models import orders as orders
from backoffice.models import verification as verification
from backoffice.models.base import Base as Base
