"""Transactional outbox: a task queued in a transaction is written as a row in that transaction and
handed to Celery after the commit, or later by a sweep when the broker was down (R-N4)."""
