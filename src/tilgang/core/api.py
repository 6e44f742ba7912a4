from django.db import connection
from ninja import Router, Schema

from tilgang.core.permissions import PUBLIC, register

router = Router(tags=["service"])


class HealthOut(Schema):
    status: str
    database: str


@router.get("/health", response=HealthOut, url_name="health", auth=None)
def health(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"status": "ok", "database": connection.vendor}


register({"api:health": PUBLIC})
