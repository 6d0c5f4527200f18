"""Carrying out a plan: the guards, the session, the executor and one module per mechanism."""
