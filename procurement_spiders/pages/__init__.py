"""Page objects: every selector of the browser-driven portals lives in this package."""
