"""Retries with exponential backoff: Scrapy's retry, and a wait before each retry is sent.

Scrapy retries a 500 or a timeout at once; a struggling site is better served by waiting
1 s, then 2 s, 4 s … (RETRY_BACKOFF_BASE, capped at RETRY_BACKOFF_MAX), or as long as its
Retry-After header asks.
"""
from __future__ import annotations

import random

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Request, Response
from scrapy.utils.response import response_status_message

DELAY_KEY = "expolead_backoff"


class BackoffRetryMiddleware(RetryMiddleware):
    """RetryMiddleware that marks each retry with how long to wait before sending it."""

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)

    def process_response(self, request: Request, response: Response, spider=None):
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        asked = _retry_after(response)
        if asked is not None:
            retry.meta[DELAY_KEY] = min(asked, self.cap)
        return retry

    def _retry(self, request: Request, reason):
        retry = super()._retry(request, reason)
        if retry is not None:
            attempt = retry.meta.get("retry_times", 1)
            delay = min(self.cap, self.base * 2 ** (attempt - 1))
            # A little jitter so workers that failed together do not retry together.
            retry.meta[DELAY_KEY] = delay * random.uniform(0.9, 1.1)
        return retry


class BackoffDelayMiddleware:
    """Wait the backoff a retry carries before it goes to the downloader."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_request(self, request: Request, spider=None):
        delay = request.meta.pop(DELAY_KEY, None)
        if delay:
            from scrapy.utils.defer import maybe_deferred_to_future
            from twisted.internet import reactor
            from twisted.internet.task import deferLater

            self.crawler.stats.inc_value("expolead/backoff_seconds", round(delay, 2))
            await maybe_deferred_to_future(deferLater(reactor, delay, lambda: None))
        return None


def _retry_after(response: Response) -> float | None:
    value = response.headers.get(b"Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value.decode("ascii", "ignore").strip()))
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff
