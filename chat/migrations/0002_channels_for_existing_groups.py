"""Every group has a channel: create those of the groups that existed before chat."""

from django.db import migrations


def create_channels(apps, schema_editor):
    Group = apps.get_model("groups", "Group")
    Conversation = apps.get_model("chat", "Conversation")
    have = set(Conversation.objects.filter(group__isnull=False).values_list("group_id", flat=True))
    Conversation.objects.bulk_create([
        Conversation(kind="channel", group_id=group.id, created_by_id=group.created_by_id)
        for group in Group.objects.exclude(id__in=have)])


class Migration(migrations.Migration):
    dependencies = [("chat", "0001_initial"), ("groups", "0001_initial")]
    operations = [migrations.RunPython(create_channels, migrations.RunPython.noop)]
