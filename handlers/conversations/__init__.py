"""The dialogs. Each module advances one kind of conversation by one incoming event."""
