"""The bottom layer every other may use: durable file writes and the collector pause."""
