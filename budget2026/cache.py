"""Redis as a cache that the site survives losing.

The page cache and the data revision only save work: if Redis is unreachable, a read is a
miss and a write is skipped (with a warning in the log), so pages are rendered afresh instead
of failing.
"""

import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError, TimeoutError

logger = logging.getLogger(__name__)
REDIS_DOWN = (ConnectionError, TimeoutError)


class ForgivingRedisCache(RedisCache):
    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except REDIS_DOWN as error:
            logger.warning("Cache unavailable, reading through: %s", error)
            return default

    def add(self, key, value, timeout=None, version=None):
        try:
            return super().add(key, value, timeout, version)
        except REDIS_DOWN as error:
            logger.warning("Cache unavailable, not storing: %s", error)
            return False

    def set(self, key, value, timeout=None, version=None):
        try:
            super().set(key, value, timeout, version)
        except REDIS_DOWN as error:
            logger.warning("Cache unavailable, not storing: %s", error)

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except REDIS_DOWN as error:
            logger.warning("Cache unavailable, not deleting: %s", error)
            return False
