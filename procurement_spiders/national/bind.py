"""Every request of this worker leaves from BIND_ADDRESS (Scrapy's `bindaddress` meta), so a
machine with several addresses, or a test on 127.0.0.2/3/4, shows one client IP per worker."""

from __future__ import annotations

from procurement_spiders.config import config_from_settings


class BindAddressMiddleware:
    def __init__(self, address: str | None):
        self.address = address

    @classmethod
    def from_crawler(cls, crawler):
        return cls(config_from_settings(crawler.settings).bind_address)

    def process_request(self, request):
        if self.address:
            request.meta.setdefault("bindaddress", (self.address, 0))
