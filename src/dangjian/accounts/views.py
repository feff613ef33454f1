def lockout_response(request, credentials, *args, **kwargs):
    from django.http import HttpResponse

    return HttpResponse("账号已锁定", status=403)
