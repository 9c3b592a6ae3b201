"""Outgoing network access on behalf of users: the egress guard every user-supplied URL goes through."""
