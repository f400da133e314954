"""Local fake servers of the chat platforms, for offline tests."""
