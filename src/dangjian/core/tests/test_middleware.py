from django.test import RequestFactory, override_settings

from dangjian.core.middleware import client_address


def _req(remote, xff=None):
    meta = {"REMOTE_ADDR": remote}
    if xff is not None:
        meta["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().get("/", **meta)


def test_forwarded_for_is_ignored_from_an_untrusted_peer():
    with override_settings(TRUSTED_PROXIES=[]):
        assert client_address(_req("10.0.0.9", "1.2.3.4")) == "10.0.0.9"


def test_forwarded_for_from_our_proxy_gives_the_rightmost_untrusted_hop():
    with override_settings(TRUSTED_PROXIES=["127.0.0.1", "10.0.0.2"]):
        # the client may prepend anything; the hop our proxy saw is the right-most untrusted one
        assert client_address(_req("127.0.0.1", "6.6.6.6, 1.2.3.4, 10.0.0.2")) == "1.2.3.4"
        assert client_address(_req("127.0.0.1")) == "127.0.0.1"
