app_name = "integrity"
urlpatterns: list = []
