"""Notifications: a row per user on the notifications page, and an e-mail unless the user switched
it off. Flows call `kaohe.notify.send.notify`; `kaohe.notify.events` says who hears of what."""
