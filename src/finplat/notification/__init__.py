"""The in-app notification inbox, fed by event handlers."""
