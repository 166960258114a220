from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Referrals"

    def ready(self):
        from members.selectors import register_member_access

        from .selectors import member_access

        # R-X2: an organization that referred or received a referral has a part in the member.
        register_member_access(member_access)
