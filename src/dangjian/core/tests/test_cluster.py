"""Several app servers: settings from the environment, reads from a replica, shared sessions.

The replica router is tested with the second alias the test settings always define (a
mirror of the test database: `TEST: {"MIRROR": "default"}`), turned on per test with
`READ_REPLICA`. Redis sessions need the Redis server (DANGJIAN_TEST_REDIS_URL, default
redis://127.0.0.1:6379/15): without one that test is skipped with a message saying so, or
fails when DANGJIAN_REQUIRE_REDIS=1 (CI).
"""

from __future__ import annotations

import json
import os
import uuid

import pytest
from django.contrib.sessions.models import Session
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.core import cluster
from dangjian.core.db import reading_replica
from dangjian.core.metrics import MetricScope, registry
from dangjian.core.scoping import SYSTEM

from .test_settings import production_env, run_python

YEAR = 2030  # every org of the tree exists by its end
REDIS_URL = os.environ.get("DANGJIAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


# --- settings ---------------------------------------------------------------------------


def test_production_settings_from_the_environment(tmp_path):
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'aliases': sorted(s.DATABASES), 'read': s.READ_REPLICA, "
        "'routers': s.DATABASE_ROUTERS, 'session': s.SESSION_ENGINE, "
        "'cache': s.CACHES['default']['BACKEND'], "
        "'replica': s.DATABASES.get('replica', {}).get('HOST'), "
        "'options': s.DATABASES.get('replica', {}).get('OPTIONS')}))"
    )
    plain = run_python(code, production_env(tmp_path / "a"))
    assert plain.returncode == 0, plain.stderr
    assert json.loads(plain.stdout) == {
        "aliases": ["default"],
        "read": None,
        "routers": ["dangjian.core.routers.ReplicaRouter"],
        "session": "django.contrib.sessions.backends.db",
        "cache": "django.core.cache.backends.locmem.LocMemCache",
        "replica": None,
        "options": None,
    }
    env = production_env(
        tmp_path / "b",
        DATABASE_URL="postgres://dangjian@db1.example/dangjian",
        DANGJIAN_REPLICA_URL="postgres://dangjian@db2.example/dangjian",
        DANGJIAN_CACHE_URL="redis://cache.example:6379/0",
        DANGJIAN_SESSION_ENGINE="cached_db",
    )
    scaled = run_python(code, env)
    assert scaled.returncode == 0, scaled.stderr
    assert json.loads(scaled.stdout) == {
        "aliases": ["default", "replica"],
        "read": "replica",
        "routers": ["dangjian.core.routers.ReplicaRouter"],
        "session": "django.contrib.sessions.backends.cached_db",
        "cache": "django.core.cache.backends.redis.RedisCache",
        "replica": "db2.example",
        "options": {"options": "-c jit=off"},  # the primary's connection options
    }


def test_settings_refuse_what_would_break_with_several_servers(tmp_path):
    bad = run_python(
        "import django; django.setup()",
        production_env(tmp_path, DANGJIAN_SESSION_ENGINE="cache"),
    )
    assert bad.returncode != 0
    assert "DANGJIAN_CACHE_URL" in bad.stderr and "随机登出" in bad.stderr


def test_cluster_helpers_explain_each_mistake():
    default = {"ENGINE": "django.db.backends.sqlite3", "NAME": "x"}
    with pytest.raises(cluster.ConfigError, match="流复制只读副本"):
        cluster.replica_database("postgres://h/db", default, testing=False)
    assert cluster.replica_database("", default, testing=False) is None
    assert cluster.replica_database("", default, testing=True)["TEST"] == {"MIRROR": "default"}
    with pytest.raises(cluster.ConfigError, match="只支持 Redis"):
        cluster.caches("memcached://127.0.0.1:11211")
    with pytest.raises(cluster.ConfigError, match="无效"):
        cluster.session_engine("file", shared_cache=True)
    assert cluster.session_engine("", shared_cache=False).endswith(".db")
    assert cluster.session_engine("CACHE", shared_cache=True).endswith(".cache")


# --- the replica router ------------------------------------------------------------------


@pytest.fixture
def replica_on(settings):
    settings.READ_REPLICA = "replica"


def _grassroots(tree):
    from dangjian.orgs.models import Organization

    return registry.get("orgs.grassroots_count"), Organization


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_metric_reads_go_to_the_replica_and_writes_to_the_primary(tree, replica_on):
    metric, organization = _grassroots(tree)
    scope = MetricScope(SYSTEM, YEAR)
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        value = metric.value(scope)
    assert value == 2  # the two branches of the tree, read through the replica alias
    assert replica.captured_queries and not primary.captured_queries

    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
        reading_replica(),
    ):
        tree.branch_b.add_child(kind="branch", name="新支部")  # a write: the primary
    assert any("INSERT" in q["sql"] for q in primary.captured_queries)
    assert not any("INSERT" in q["sql"] for q in replica.captured_queries)

    with (  # outside a reading_replica block every read is the primary's
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        assert organization.objects.filter(kind="branch").count() == 3
    assert primary.captured_queries and not replica.captured_queries


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_security_state_and_open_transactions_stay_on_the_primary(tree, make_user, replica_on):
    from dangjian.accounts.models import RoleAssignment

    metric, organization = _grassroots(tree)
    user = make_user("committee_admin", tree.root)
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
        reading_replica(),
    ):
        # who may do what is never read a few seconds old
        assert RoleAssignment.objects.filter(user=user).count() == 1
    assert primary.captured_queries and not replica.captured_queries

    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
        transaction.atomic(),
    ):
        tree.branch_b.add_child(kind="branch", name="事务中新增")
        # the transaction's own row counts: the replica has not got it
        assert metric.value(MetricScope(SYSTEM, YEAR)) == 3
    assert not replica.captured_queries
    assert organization.objects.filter(name="事务中新增").exists()


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_without_a_replica_everything_reads_the_primary(tree, settings):
    settings.READ_REPLICA = None  # DANGJIAN_REPLICA_URL unset
    metric, _ = _grassroots(tree)
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        assert metric.value(MetricScope(SYSTEM, YEAR)) == 2
    assert primary.captured_queries and not replica.captured_queries


def test_the_replica_is_never_migrated():
    from dangjian.core.routers import ReplicaRouter

    router = ReplicaRouter()
    assert router.allow_migrate("default", "members") is True
    assert router.allow_migrate("replica", "members") is False


# --- sessions in Redis --------------------------------------------------------------------


@pytest.fixture
def redis_url():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        message = f"Redis 不可用（{REDIS_URL}：{exc}），Redis 会话测试未运行"
        if os.environ.get("DANGJIAN_REQUIRE_REDIS") == "1":
            pytest.fail(message + "（DANGJIAN_REQUIRE_REDIS=1）", pytrace=False)
        pytest.skip(message)
    return REDIS_URL


@pytest.mark.parametrize("engine", ["cache", "cached_db"])
@pytest.mark.django_db
def test_sessions_in_redis_are_shared_by_every_server(
    redis_url, engine, settings, client, tree, make_user
):
    """A session written by one process is read back from Redis by the next request."""
    import redis

    caches = cluster.caches(redis_url)
    caches["default"]["KEY_PREFIX"] = f"dangjian-test-{uuid.uuid4().hex}"
    settings.CACHES = caches
    settings.SESSION_ENGINE = cluster.session_engine(engine, shared_cache=True)
    user = make_user("branch_secretary", tree.branch_a)
    client.force_login(user)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    server = redis.Redis.from_url(redis_url)
    stored = server.keys(f"{caches['default']['KEY_PREFIX']}:*{key}")
    try:
        assert len(stored) == 1  # the session lives in Redis …
        assert Session.objects.filter(session_key=key).exists() is (engine == "cached_db")
        resp = client.get(reverse("web:home"))
        assert resp.status_code == 200  # … and signs the next request in
        assert resp.context["user"] == user
        server.delete(*stored)  # gone from Redis: with `cache` the user is signed out
        resp = client.get(reverse("web:home"))
        if engine == "cache":
            assert resp.status_code == 302
        else:  # cached_db falls back to the database copy
            assert resp.status_code == 200
    finally:
        server.delete(*server.keys(f"{caches['default']['KEY_PREFIX']}:*") or ["-"])
