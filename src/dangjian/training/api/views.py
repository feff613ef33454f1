"""`/api/training-classes/` and `/api/enrolments/`: reads through restrict(), writes through
training.services (capacity, dates and scope checked there)."""

from __future__ import annotations

from rest_framework.exceptions import NotFound

from dangjian.core.api import ScopedModelViewSet
from dangjian.core.models import snapshot

from .. import hours, services
from ..filtersets import EnrolmentFilterSet, TrainingClassFilterSet
from ..models import Enrolment, TrainingClass
from ..views import CLASSES
from .serializers import EnrolmentSerializer, TrainingClassSerializer


class TrainingClassViewSet(ScopedModelViewSet):
    queryset = CLASSES
    serializer_class = TrainingClassSerializer
    filterset_class = TrainingClassFilterSet

    def perform_create(self, serializer):
        obj = TrainingClass(**serializer.validated_data)
        serializer.instance = services.save_class(self.request.user, obj, None)

    def perform_update(self, serializer):
        instance = serializer.instance
        before = snapshot(instance)
        for name, value in serializer.validated_data.items():
            setattr(instance, name, value)
        serializer.instance = services.save_class(self.request.user, instance, before)

    def perform_destroy(self, instance):
        services.delete_class(self.request.user, instance)


class EnrolmentViewSet(ScopedModelViewSet):
    queryset = Enrolment.objects.select_related("member", "training_class")
    serializer_class = EnrolmentSerializer
    filterset_class = EnrolmentFilterSet
    http_method_names = ["get", "post", "delete", "head", "options"]

    def paginate_queryset(self, queryset):
        # 学时 of the page's rows only, in one query (hours.attach_progress).
        page = super().paginate_queryset(queryset)
        return None if page is None else hours.attach_progress(list(page))

    def get_object(self):
        return hours.attach_progress([super().get_object()])[0]

    def perform_create(self, serializer):
        data = serializer.validated_data
        klass = data["training_class"]
        if klass is None:
            raise NotFound("未找到。")
        rows = services.enrol(
            self.request.user,
            klass,
            [data["member_id"]],
            data.get("enrolled_on"),
            data.get("note", ""),
        )
        serializer.instance = hours.with_progress(Enrolment.objects.filter(pk=rows[0].pk)).get()
