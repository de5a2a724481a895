"""The rendered docs: offline, complete, rendered in headless Chromium."""
