"""The Redis cache shares one pool and one client per process (common/cache.py), against the real Redis server."""

from __future__ import annotations

import os
import secrets
import threading

from abusedesk.common.cache import SharedRedisCache

REDIS_URL = os.environ.get("ABUSEDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _cache(prefix: str) -> SharedRedisCache:
    return SharedRedisCache(REDIS_URL, {"KEY_PREFIX": prefix})


def test_cache_objects_of_one_process_share_the_client_and_see_each_others_writes() -> None:
    prefix = f"shared-{secrets.token_hex(4)}"
    first, second = _cache(prefix), _cache(prefix)  # what two threads (or two gevent greenlets) get
    first.set("k", {"v": 1}, 30)
    assert second.get("k") == {"v": 1}
    assert first._cache.get_client() is second._cache.get_client()
    assert first._cache.get_client(write=True) is second._cache.get_client()
    second.delete("k")
    assert first.get("k") is None


def test_counters_stay_exact_when_many_threads_use_the_shared_client() -> None:
    prefix = f"shared-{secrets.token_hex(4)}"
    _cache(prefix).set("n", 0, 30)

    def bump() -> None:
        mine = _cache(prefix)
        for _ in range(50):
            mine.incr("n")

    threads = [threading.Thread(target=bump) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert _cache(prefix).get("n") == 400


def test_a_different_server_gets_its_own_pool() -> None:
    here = _cache("a")
    other = SharedRedisCache(REDIS_URL.rsplit("/", 1)[0] + "/14", {"KEY_PREFIX": "a"})
    assert here._cache.get_client() is not other._cache.get_client()
