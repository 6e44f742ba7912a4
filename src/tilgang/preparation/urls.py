app_name = "preparation"

urlpatterns: list = []
