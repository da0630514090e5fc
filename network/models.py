from django.db import models


class Event(models.Model):
    """A persistent real-time event, kept so a reconnecting client can catch up.

    The id is the event id clients remember; ``stream`` is the channel-group name the event
    was sent to (``user.<id>``, ``group.<id>`` or ``org``).
    """

    stream = models.CharField(max_length=64)
    type = models.CharField(max_length=64)
    data = models.JSONField()
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["stream", "id"], name="event_stream_id")]

    def __str__(self):
        return f"{self.id} {self.type} → {self.stream}"
