"""Browser layer: Chromium sessions (Selenium Grid or local), their pool, health and fault handling.

The Scrapy entry point is `procurement_spiders.middlewares.selenium.SeleniumMiddleware`.
"""
