from celery import shared_task


@shared_task(
    name="notices.render_notice", autoretry_for=(OSError,), retry_backoff=True, max_retries=5
)
def render_notice(event_id: int) -> int | None:
    """Render the letter for one decision; safe to run twice (one letter per decision)."""
    from .services import render_notice as render

    notice = render(event_id=event_id)
    return notice.pk if notice else None
