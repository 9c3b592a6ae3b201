"""Tenants and their per-application settings (admin API), read by task scripts."""
