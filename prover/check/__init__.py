"""The independent certificate checker (the trusted base; imports no search or float bounds)."""
