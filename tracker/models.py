"""Import every model so that the metadata (and Flask-Migrate) sees the whole schema."""

from .accounts.models import Agency, RateBucket, SavedFilter, Section, User  # noqa: F401
from .api.models import ApiToken  # noqa: F401
from .attachments import Attachment  # noqa: F401
from .audit import Event  # noqa: F401
from .disclosure import search  # noqa: F401,E402  (the search objects: FTS5 on SQLite, pg_trgm on PostgreSQL)
from .disclosure.models import CaseCounter, ClockAction, DisclosureRequest, RequestCohandler, RequestTag, Review  # noqa: F401
from .ledger.models import ImportJob  # noqa: F401
from .personal import CaseView  # noqa: F401
from .proposals.models import Proposal, ProposalCohandler  # noqa: F401
from .reminders.models import Notification, NotificationDelivery, Reminder, ReminderRun  # noqa: F401
from .reports.models import RegisterEntry  # noqa: F401
from .workcal.models import CalendarDay, CalendarYear  # noqa: F401
