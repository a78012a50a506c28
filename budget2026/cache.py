"""Redis as a cache that the site survives losing.

The cache only saves work. django-redis, with ``IGNORE_EXCEPTIONS``, turns every Redis error
(refused connection, timeout, ``-OOM`` on a write, a read-only replica) into a miss or a skipped
write and logs it, so pages are rendered afresh instead of failing. Two things are added here:

- ``BackingOffRedis`` leaves a Redis that failed to answer alone for a few seconds, so that a
  Redis that accepts connections but never answers costs one timeout per worker every few
  seconds, not one per cache call.
- ``SkipWhileResting`` keeps those deliberate misses out of the log: the failure that started
  the rest is logged once, as a warning.
"""

import logging
import time

import redis

logger = logging.getLogger(__name__)


class RedisResting(redis.ConnectionError):
    """Raised instead of asking a Redis that failed recently (django-redis ignores it)."""


def unless_resting(client, send):
    """``send()``, unless the Redis of ``client`` failed to answer less than its
    ``backoff_seconds`` ago; a connection error or a timeout starts such a rest."""
    pool = client.connection_pool
    resting_until = getattr(pool, "resting_until", 0.0)
    if time.monotonic() < resting_until:
        raise RedisResting("Redis failed to answer a moment ago; not asking it yet")
    try:
        return send()
    except (redis.ConnectionError, redis.TimeoutError) as error:
        pool.resting_until = time.monotonic() + client.backoff_seconds
        logger.warning(
            "Redis failed (%s); serving without the cache for %s s", error, client.backoff_seconds
        )
        raise


class BackingOffRedis(redis.Redis):
    """redis-py's client, resting ``backoff_seconds`` after a connection error or a timeout.

    The end of the rest is kept on the connection pool, which django-redis shares between the
    threads of a process (one pool per Redis address). Errors that Redis answers with, such as
    ``-OOM``, come back at once and are not a reason to rest. Its pipelines (``set_many()``)
    rest with it.
    """

    def __init__(self, *args, backoff_seconds=5.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.backoff_seconds = backoff_seconds

    def execute_command(self, *args, **options):
        send = super().execute_command
        return unless_resting(self, lambda: send(*args, **options))

    def pipeline(self, transaction=True, shard_hint=None):
        pipeline = BackingOffPipeline(
            self.connection_pool, self.response_callbacks, transaction, shard_hint
        )
        pipeline.backoff_seconds = self.backoff_seconds
        return pipeline


class BackingOffPipeline(redis.client.Pipeline):
    """A pipeline of ``BackingOffRedis``: ``execute()`` sends its commands together, unless
    Redis is resting, and a failure starts a rest."""

    def execute(self, raise_on_error=True):
        send = super().execute
        return unless_resting(self, lambda: send(raise_on_error))


class SkipWhileResting(logging.Filter):
    """Drops django-redis's "Exception ignored" records caused by ``RedisResting``."""

    def filter(self, record):
        error = record.exc_info[1] if record.exc_info else None
        while error is not None:
            if isinstance(error, RedisResting):
                return False
            error = error.__cause__ or error.__context__
        return True
