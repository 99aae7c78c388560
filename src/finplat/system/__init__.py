"""The system console: scheduled jobs per business date and failed event deliveries."""
