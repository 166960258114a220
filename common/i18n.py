"""Which pages speak the visitor's language (R-M7): the public pages a member uses are offered in
English and Spanish; staff pages are English. A page never declares lang="es" over English words,
and Django's own messages on a staff page never come in another language."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


def translated(view):
    """Mark a view as offered in the visitor's language (the language switch, else the browser)."""
    view.translated = True
    return view


class PublicPagesLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware, applied only to views marked @translated; English elsewhere."""

    def process_request(self, request):
        translation.activate(settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(view_func, "translated", False):
            super().process_request(request)
        return None

    def process_response(self, request, response):
        response = super().process_response(request, response)
        translation.activate(settings.LANGUAGE_CODE)  # the thread goes back to English
        return response
