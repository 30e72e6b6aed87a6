"""The job queue: it lives in the ``jobs`` table; workers claim, lease and finish jobs."""
