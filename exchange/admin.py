"""Django admin for where each partner's files go (R-F4), for system admins only. The private key
is write-only: the page never shows it back, and leaving the box empty keeps the key in place."""

from django import forms
from django.contrib import admin

from common import admin_forms

from .delivery import DeliveryError, fingerprint, load_private_key, parse_host_key
from .models import SftpDestination


class WriteOnlyTextarea(forms.Textarea):
    """A box for a secret: never rendered with the stored (or the typed) value."""

    def format_value(self, value):
        return ""


class SftpDestinationForm(forms.ModelForm):
    private_key = forms.CharField(
        required=False,
        strip=True,
        widget=WriteOnlyTextarea(
            attrs={
                "rows": 6,
                "autocomplete": "off",
                "spellcheck": "false",
                "class": "vLargeTextField",
            }
        ),
        help_text=(
            "Paste the OpenSSH or PEM private key (ed25519, ECDSA or RSA, without passphrase) from "
            "its BEGIN line to its END line. It is never shown again."
        ),
    )

    class Meta:
        model = SftpDestination
        fields = [
            "organization",
            "host",
            "port",
            "username",
            "private_key",
            "host_key",
            "remote_folder",
            "active",
        ]
        widgets = {
            "host_key": forms.Textarea(
                attrs={"rows": 3, "spellcheck": "false", "class": "vLargeTextField"}
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_key = bool(self.instance.pk and self.instance.private_key)
        field = self.fields["private_key"]
        field.required = not self.has_key  # a new destination needs a key; a change may keep it
        field.error_messages["required"] = "Paste the private key that signs in to the server."
        if self.has_key:
            self.fields["private_key"].help_text = (
                f"A private key is set ({describe_key(self.instance.private_key)}). Leave this "
                "empty to keep it, or paste a new key to replace it. It is never shown."
            )

    def clean_private_key(self):
        text = self.cleaned_data["private_key"].replace("\r\n", "\n")
        if not text:
            return self.instance.private_key  # empty keeps the key in place
        try:
            load_private_key(text)
        except DeliveryError as error:
            raise forms.ValidationError(error.reason) from None
        return text + "\n"

    def clean_host_key(self):
        try:
            key = parse_host_key(self.cleaned_data["host_key"])
        except DeliveryError as error:
            raise forms.ValidationError(error.reason) from None
        return f"{key.get_name()} {key.get_base64()}"  # one form, whatever line was pasted

    def clean_port(self):
        port = self.cleaned_data["port"]
        if not 0 < port < 65536:
            raise forms.ValidationError("A port is a number from 1 to 65535 (SFTP is usually 22).")
        return port

    def clean_remote_folder(self):
        return self.cleaned_data["remote_folder"].strip() or "."


def describe_key(text: str) -> str:
    """The public half's type and fingerprint: enough to recognize a key, nothing secret."""
    try:
        key = load_private_key(text)
    except DeliveryError:
        return "unreadable: paste it again"
    return f"{key.get_name()} {fingerprint(key)}"


@admin.register(SftpDestination)
class SftpDestinationAdmin(admin_forms.ModelAdmin):
    form = SftpDestinationForm
    list_display = ["organization", "host", "port", "username", "remote_folder", "active"]
    list_filter = ["active"]
    search_fields = ["organization__name", "host", "username"]
    list_select_related = ["organization"]
    readonly_fields = ["host_key_fingerprint", "updated_at"]

    @admin.display(description="Host key fingerprint")
    def host_key_fingerprint(self, destination):
        try:
            return fingerprint(parse_host_key(destination.host_key))
        except DeliveryError:
            return "-"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organization":
            kwargs["queryset"] = db_field.related_model.objects.order_by("name")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # System admins only: where partners' files go, and the key that signs in there.
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_system_admin

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self.has_module_permission(request)
