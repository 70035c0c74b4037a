"""Browser tests of the dashboard (chromium via Playwright)."""
