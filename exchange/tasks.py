"""Celery tasks of the exchange: thin wrappers over exchange/services.py (ids, not objects)."""

from celery import shared_task


@shared_task(
    name="exchange.generate_file",
    autoretry_for=(OSError, ConnectionError, TimeoutError),
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=5,
)
def generate_file(run_id: int) -> str:
    """Write, archive and deliver one file run (R-F4); a done run is left as it is."""
    from .services import generate

    return generate(run_id).status
