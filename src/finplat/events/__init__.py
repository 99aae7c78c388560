"""Transactional outbox, dispatcher and bus adapters."""
