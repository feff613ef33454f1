"""GET /api/me/: the signed-in member's own record. It takes no id: nothing to aim elsewhere."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from dangjian.members.ownership import own_member

from .. import me
from .serializers import MeSerializer


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="me",
        summary="我的：本人的党员信息、提醒、近期会议与组织生活",
        responses=MeSerializer,
    )
    def get(self, request):
        member = own_member(request.user)
        data: dict = {"member": None, "reminders": [], "upcoming": [], "years": [], "recent": []}
        if member is not None:
            today = timezone.localdate()
            member.party_age = me.party_age(member, today)
            life = me.organizational_life(member, today, request.user)
            data.update(
                member=member,
                reminders=(me.reminders(member, today, request.user) or {"items": []})["items"],
                upcoming=me.upcoming(member, today, request.user)["notices"],
                years=life["years"],
                recent=life["recent"],
            )
        return Response(MeSerializer(data).data)
