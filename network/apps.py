from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "network"
    verbose_name = "Relais"

    def ready(self):
        from network import checks  # noqa: F401  (registers the system checks)
