"""Notifications (seed 004): DingTalk and WeCom robots, WeCom applications, Apprise, deliveries."""
