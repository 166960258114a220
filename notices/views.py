from django.http import FileResponse
from django.shortcuts import get_object_or_404

from . import selectors


def download(request, pk: int):
    """A letter, only for users who may see its authorization (R-X2); 404 otherwise, the same
    as for a letter that does not exist."""
    notice = get_object_or_404(selectors.visible_notices(request.user), pk=pk)
    response = FileResponse(
        notice.pdf.open("rb"),
        as_attachment=True,
        filename=f"notice-{notice.pk}-{notice.kind}.pdf",
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"  # a download, never read as another type
    return response
