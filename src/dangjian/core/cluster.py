"""Settings for several app servers sharing one database (docs/scaling.md).

Pure functions of the environment, called by settings (no Django import at module level:
settings uses them before Django is configured). What they decide:

- `replica_database`: `DANGJIAN_REPLICA_URL` → the `replica` alias (reads of metrics and
  reports, core.routers); in tests the alias always mirrors the test database.
- `caches`: `DANGJIAN_CACHE_URL` (redis://…) → a cache shared by every server; without it,
  each process keeps its own small in-memory cache.
- `session_engine`: `DANGJIAN_SESSION_ENGINE` db (default) | cached_db | cache.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

SESSION_ENGINES = {
    "db": "django.contrib.sessions.backends.db",
    "cached_db": "django.contrib.sessions.backends.cached_db",
    "cache": "django.contrib.sessions.backends.cache",
}


class ConfigError(ImproperlyConfigured):
    """A setting the deployer must fix; the message says how (Chinese, like every message
    an operator reads)."""


def replica_database(url: str, default: Mapping[str, Any], *, testing: bool) -> Any:
    """The `replica` alias: `url` parsed like DATABASE_URL, with the primary's options; in
    tests a mirror of the test database (a streaming replica of it cannot exist there)."""
    if testing:
        return {**default, "TEST": {"MIRROR": "default"}}
    if not url:
        return None
    replica = dj_database_url.parse(url, conn_max_age=default.get("CONN_MAX_AGE", 0))
    if replica["ENGINE"] != default["ENGINE"]:
        raise ConfigError(
            "DANGJIAN_REPLICA_URL 必须指向主库（DATABASE_URL）的流复制只读副本，"
            "两者的数据库类型应相同（SQLite 没有只读副本）。"
        )
    if "OPTIONS" in default:
        replica["OPTIONS"] = {**default["OPTIONS"], **replica.get("OPTIONS", {})}
    return replica


def caches(url: str) -> dict[str, Any]:
    """Django's CACHES: Redis at `url` when given (shared by the app servers), else a
    per-process memory cache."""
    if not url:
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(
            "DANGJIAN_CACHE_URL 只支持 Redis，例如 redis://127.0.0.1:6379/0"
            "（带密码：redis://:密码@主机:6379/0；TLS：rediss://…）。"
        )
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "dangjian",
        }
    }


def session_engine(name: str, *, shared_cache: bool) -> str:
    """SESSION_ENGINE for `name` (db, cached_db, cache). A session kept in the cache must
    be in a cache every app server shares: refused without DANGJIAN_CACHE_URL."""
    name = (name or "db").strip().lower()
    if name not in SESSION_ENGINES:
        raise ConfigError(
            f"DANGJIAN_SESSION_ENGINE 的值“{name}”无效，可选：db（默认，会话存数据库）、"
            "cached_db（数据库 + Redis 缓存）、cache（只存 Redis）。"
        )
    if name != "db" and not shared_cache:
        raise ConfigError(
            f"DANGJIAN_SESSION_ENGINE={name} 需要各应用服务器共用的缓存：请同时设置 "
            "DANGJIAN_CACHE_URL（Redis），否则每个进程各有一份会话，用户会被随机登出。"
        )
    return SESSION_ENGINES[name]
