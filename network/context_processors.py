from django.conf import settings


def relais(request):
    return {
        "organisation_name": settings.RELAIS_ORGANISATION_NAME,
        "signup_mode": settings.RELAIS_SIGNUP_MODE,
    }
