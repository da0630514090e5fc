from ninja import Router, Schema

from accounts.services import update_profile

router = Router(tags=["people"])


class UserOut(Schema):
    id: int
    email: str
    display_name: str
    job_title: str
    department: str
    phone: str
    kind: str
    language: str
    time_zone: str
    is_staff: bool


@router.get("/me", response=UserOut, summary="The authenticated user")
def me(request):
    return request.auth


class ProfilePatch(Schema):
    display_name: str | None = None
    job_title: str | None = None
    department: str | None = None
    phone: str | None = None
    language: str | None = None
    time_zone: str | None = None


@router.patch("/me", response=UserOut, summary="Change my profile")
def update_me(request, payload: ProfilePatch):
    return update_profile(user=request.auth, **payload.dict(exclude_none=True))
