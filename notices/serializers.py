from rest_framework import serializers

from .models import Notice


class NoticeSerializer(serializers.ModelSerializer):
    sender = serializers.CharField(source="sender.name")
    member = serializers.IntegerField(source="authorization.member_id")
    download = serializers.SerializerMethodField()

    class Meta:
        model = Notice
        fields = [
            "id",
            "authorization",
            "member",
            "kind",
            "language",
            "large_print",
            "sender",
            "notice_date",
            "send_by",
            "appeal_by",
            "effective_date",
            "checksum",
            "size",
            "created_at",
            "download",
        ]

    def get_download(self, obj) -> str:
        return f"/api/v1/notices/{obj.pk}/download/"
