app_name = "honors"
urlpatterns: list = []
