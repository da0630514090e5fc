from ninja import Router, Schema

router = Router(tags=["people"])


class UserOut(Schema):
    id: int
    email: str
    display_name: str
    job_title: str
    department: str
    kind: str
    language: str
    time_zone: str
    is_staff: bool


@router.get("/me", response=UserOut, summary="The authenticated user")
def me(request):
    return request.auth
