"""Background delivery of notifications by email."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_tasks import task

from network.links import absolute_url
from notifications.models import Notification
from notifications.texts import describe


@task()
def email_notifications(notification_ids: list[int]) -> int:
    """Email each notification to its recipient in their language; a retry skips those sent."""
    sent = 0
    pending = (Notification.objects.filter(id__in=notification_ids, emailed_at__isnull=True)
               .select_related("recipient", "actor", "group"))
    for notification in pending:
        recipient = notification.recipient
        with translation.override(recipient.language or settings.RELAIS_DEFAULT_LANGUAGE):
            context = {"notification": notification, "summary": describe(notification),
                       "link": absolute_url(notification.url), "recipient": recipient}
            subject = context["summary"]
            text = render_to_string("notifications/email/notification.txt", context)
            html = render_to_string("notifications/email/notification.html", context)
        message = EmailMultiAlternatives(subject=subject, body=text, to=[recipient.email])
        message.attach_alternative(html, "text/html")
        message.send()
        # Marked one by one: a failure part-way leaves the rest for the retry.
        Notification.objects.filter(id=notification.id).update(emailed_at=timezone.now())
        sent += 1
    return sent
