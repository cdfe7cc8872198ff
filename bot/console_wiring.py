"""The keepers' console's service wired to a running bot (issue 16).

One :class:`~handlers.coordination.console.service.Console` per process, over the bot's own
database: drafts and the audit in :class:`~bot.storage.console.SqlConsoleStore`, roles from
the staff store, the coordinators' desks and the catalogue on offer from the runtime. After a
publication it calls the catalogue watcher's ``check``: the bot swaps in the new catalogue,
re-plans the affected reminders and tells kind subscribers of a new activity, exactly as
after ``tarjotin import`` (another process publishing is noticed by the watcher's poll).
"""

from __future__ import annotations

from bot.bootstrap import App, Runtime
from bot.storage.console import SqlConsoleStore
from bot.storage.staff import SqlStaffStore
from handlers.coordination.console.service import Console


def build_console(app: App, runtime: Runtime) -> Console:
    """The console over the app's database and the runtime's catalogue, desks and clock."""
    sessions = app.database.sessions
    return Console(
        SqlConsoleStore(sessions),
        SqlStaffStore(sessions),
        lambda: runtime.live().catalogue,
        runtime.core.coordination.desks,
        runtime.clock,
        on_published=runtime.watcher.check,
    )
