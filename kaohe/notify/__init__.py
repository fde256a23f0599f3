"""Notifications, to-do lists and deadline reminders, for every app to publish into.

A notification is a row per user on the notifications page, and an e-mail unless the user switched
it off: the apps call `kaohe.notify.send.notify` where their events happen (review steps in
kaohe.cycles.review, publication in kaohe.results.service, …). The to-do registry
(`kaohe.notify.todo`) and the reminder registry (`kaohe.notify.deadlines`) are filled by each app in
its `AppConfig.ready()`. This app sits low, just above accounts: it imports no app that registers
into it."""
