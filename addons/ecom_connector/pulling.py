# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""When and what to pull (pure functions, no ORM)

Platforms index modified orders a little late and list them by modified
time in [start, end) windows of limited length.  Each pull therefore reads
from the checkpoint less an overlap (the orders of the boundary second and
those indexed late are read twice; the import is idempotent), up to now
less a lag, in windows no longer than the platform allows.  The checkpoint
moves to the end of a window only once the whole window is stored.
"""
import datetime


def windows(checkpoint, now, max_window, overlap, lag, first_pull=None):
    """The [start, end) windows to read, in order

    `checkpoint` is the end of the last window read completely (None: never
    pulled, start at `now - first_pull`, default one day).
    """
    horizon = now - lag
    if checkpoint is None:
        checkpoint = now - (first_pull or datetime.timedelta(days=1))
    result = []
    cursor = checkpoint
    while cursor < horizon:
        start = cursor - overlap
        end = min(cursor + max_window, horizon)
        # A window may not exceed the platform's limit, overlap included.
        if end - start > max_window:
            end = start + max_window
        if end <= cursor:
            # the overlap eats the whole window: read without it
            start, end = cursor, min(cursor + max_window, horizon)
        result.append((start, end))
        cursor = end
    return result


def backoff(attempt, base=1.0, cap=60.0, retry_after=None, jitter=None):
    """Seconds to wait before retry number `attempt` (1, 2, ...)

    Exponential (base, 2 base, 4 base, ...) up to `cap`, at least what the
    platform asked for; `jitter` (a random.Random) spreads the retries of
    several workers by up to a quarter.
    """
    delay = min(cap, base * 2 ** (attempt - 1))
    if jitter is not None:
        delay *= 1 + jitter.random() / 4
    if retry_after:
        delay = max(delay, float(retry_after))
    return delay


def day_bounds(date, timezone):
    "The aware [start, end) of a calendar day in the platform's time zone"
    start = datetime.datetime.combine(date, datetime.time(), tzinfo=timezone)
    return start, start + datetime.timedelta(days=1)


