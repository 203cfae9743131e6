"""How the wait engine reads WebDriver errors raised while its in-page script runs."""

from selenium.common.exceptions import JavascriptException, TimeoutException, WebDriverException

from procurement_spiders.browser.waits import interrupted_by_navigation


def test_a_script_timeout_long_before_the_drivers_is_a_navigation():
    # Chromium 156 answers "script timeout" within a second when a redirect replaces the document.
    assert interrupted_by_navigation(TimeoutException("script timeout"), elapsed=0.8, script_timeout=30.0)


def test_a_script_timeout_at_the_drivers_is_a_hung_page():
    # The script ends on its own at its slice: reaching the driver's timeout is the browser, not the page.
    assert not interrupted_by_navigation(TimeoutException("script timeout"), elapsed=30.0, script_timeout=30.0)
    assert not interrupted_by_navigation(TimeoutException("script timeout"), elapsed=0.1, script_timeout=0.0)


def test_the_words_of_a_replaced_document_are_a_navigation_whenever_they_come():
    unloaded = JavascriptException("javascript error: document unloaded while waiting for result")
    assert interrupted_by_navigation(unloaded, elapsed=10.0, script_timeout=30.0)


def test_other_errors_are_not_navigations():
    assert not interrupted_by_navigation(WebDriverException("chrome not reachable"), elapsed=0.1, script_timeout=30.0)
