"""How `pytest -n N` (scripts/test.sh) shares the suite out: a test module is one unit of work
(its module-scoped fixtures are set up once), except the tiers that start OS processes,
private broker or database nodes, or bursts of requests. Those form a single unit, so they
run one after another on one worker and never two at once on a small machine, while the
other workers run the rest.

(pytest-xdist's own `--dist loadgroup` marks groups by rewriting a private node id
attribute that pytest 9.2 no longer reads, so the grouping is a scheduler of our own, made
through xdist's public `pytest_xdist_make_scheduler` hook.)
"""

from __future__ import annotations

from xdist.scheduler import LoadScopeScheduling

PROCESS_HEAVY_TIERS = ("faults", "e2e", "bench", "cluster")
PROCESS_HEAVY = "process-heavy"


def work_unit_of(nodeid: str) -> str:
    path = nodeid.split("::", 1)[0]
    parts = path.split("/")
    if len(parts) > 2 and parts[0] == "tests" and parts[1] in PROCESS_HEAVY_TIERS:
        return PROCESS_HEAVY
    return path


class ProcessHeavyTogether(LoadScopeScheduling):
    def _split_scope(self, nodeid: str) -> str:
        return work_unit_of(nodeid)
