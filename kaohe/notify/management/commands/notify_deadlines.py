"""`kaohe notify-deadlines [--days N] [--dry-run]`: remind users of deadlines near (a daily cron job).

Reminds the scorers of every department whose scores are still a draft with unscored tasks, in a
cycle whose scoring deadline is within N days (default 3) and not past, and the users of every unit
whose self-assessment is not submitted when its deadline is; the same reminder goes to a user at
most once a day. What is reminded of: the functions the apps register in kaohe.notify.deadlines.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kaohe.notify.deadlines import DEFAULT_DAYS, send_reminders


class Command(BaseCommand):
    help = ("提醒临近的截止日期（供每日定时任务调用）：评分截止日期在N天内且未过、本部门评分仍为草稿且有未评分项时，"
            "通知该部门的评分人；自评截止日期在N天内且未过、单位自评尚未提交时，通知该单位的用户；"
            "同一提醒每人每天最多一次。")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, default=DEFAULT_DAYS, metavar="N",
                            help=f"提醒截止日期在今天起N天内的事项（默认{DEFAULT_DAYS}）")
        parser.add_argument("--dry-run", action="store_true", help="只列出将要发送的提醒，不发送")

    def handle(self, *args, **options) -> None:
        days, dry_run = options["days"], options["dry_run"]
        if days < 0:
            raise CommandError(f"--days 不能为负数：{days}")
        sent = send_reminders(timezone.localdate(), days, dry_run=dry_run)
        for reminder, users in sent:
            names = "、".join(user.get_username() for user in users)
            self.stdout.write(f"{reminder.subject} → {names}")
        people = sum(len(users) for _, users in sent)
        if dry_run:
            self.stdout.write(f"试运行：将发送{len(sent)}条提醒，共{people}人次；未发送。")
        else:
            self.stdout.write(f"已发送{len(sent)}条截止提醒，共{people}人次。")
