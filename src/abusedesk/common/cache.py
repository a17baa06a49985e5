"""Django's Redis cache with one connection pool and one client per process.

Django's `RedisCache` is created per thread (and, under gunicorn's gevent workers, per greenlet, so per request),
each with its own connection pools, and it builds a new `redis.Redis` client object on every cache call; building
one fills a table of about 170 response callbacks. Intake asks the cache four to six times a request (rate limit,
token, suspension), so this was about a fifth of a report's CPU in the web process, and a new TCP connection to
Redis whenever a request got a fresh cache object.

Here every cache object of a process shares one pool per server and one client per pool. `redis.Redis` and its
pool are safe to share between threads; after a fork the pool notices the new process id and reconnects.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

_lock = threading.Lock()
_pools: dict[tuple[str, str], Any] = {}
_clients: dict[int, Any] = {}


class SharedRedisCacheClient(RedisCacheClient):
    # Set by RedisCacheClient.__init__; django-stubs does not declare them.
    _servers: list[str]
    _pool_options: dict[str, Any]
    _pool_class: Any
    _client: Any
    _get_connection_pool_index: Callable[[bool], int]

    def _get_connection_pool(self, write: bool) -> Any:
        index = self._get_connection_pool_index(write)
        server = self._servers[index]
        key = (server, repr(sorted(self._pool_options.items(), key=lambda item: item[0])))
        pool = _pools.get(key)
        if pool is None:
            with _lock:
                pool = _pools.get(key)
                if pool is None:
                    pool = self._pool_class.from_url(server, **self._pool_options)
                    _pools[key] = pool
        return pool

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = _clients.get(id(pool))
        if client is None:
            with _lock:
                client = _clients.get(id(pool))
                if client is None:
                    client = self._client(connection_pool=pool)
                    _clients[id(pool)] = client
        return client


class SharedRedisCache(RedisCache):
    """`django.core.cache.backends.redis.RedisCache`, sharing its pool and client across the process."""

    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = SharedRedisCacheClient
