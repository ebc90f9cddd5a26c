"""The application layer: what the dashboard and the command line call.

Uploads and edits (each checks the caller's role), the analyses of the store's current data
(cached), the small per-version results the pages read, background jobs, and the one way to
assemble each analysis from its inputs. No dash here.
"""

from spendanalys.services.analyses import *  # noqa: F403
from spendanalys.services.summaries import *  # noqa: F403
from spendanalys.services.uploads import *  # noqa: F403
