from django.apps import AppConfig


class AuthorizationsConfig(AppConfig):
    name = "authorizations"
    verbose_name = "Authorizations"

    def ready(self):
        from members.selectors import register_member_access

        from .selectors import member_access

        # R-X2: the provider, and the HN of a legacy authorization, have a part in the member.
        register_member_access(member_access)
