"""`kaohe evidence check`: the evidence folder against the database."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from kaohe.ops.content import check_evidence_files


class Command(BaseCommand):
    help = ("核对证据文件与数据库：kaohe evidence check 列出没有数据库记录的孤立文件、"
            "数据库引用却不在磁盘上的缺失文件，以及内容与文件名（SHA-256）不符的损坏文件；"
            "都没有时退出码为 0，否则为 1。只检查，不删除也不修改任何文件。")

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("check", help="列出孤立、缺失和损坏的证据文件")

    def handle(self, *args, **options) -> None:
        report = check_evidence_files()
        for path in report.orphans:
            self.stdout.write(f"孤立（没有数据库记录）：{path}")
        for sha256, names in report.missing.items():
            self.stdout.write(f"缺失（数据库引用，磁盘上没有）：{sha256}（{'、'.join(names[:3])}"
                              f"{'等' if len(names) > 3 else ''}）")
        for path in report.damaged:
            self.stdout.write(f"损坏（内容与文件名不符）：{path}")
        summary = (f"证据文件 {report.files} 个，数据库引用 {report.referenced} 个；"
                   f"孤立 {len(report.orphans)} 个，缺失 {len(report.missing)} 个，损坏 {len(report.damaged)} 个")
        if report.orphans or report.missing or report.damaged:
            raise CommandError(summary + "。孤立文件不会进入备份，确认无用后可以删除；缺失和损坏的文件请从备份中找回。")
        self.stdout.write(summary + "：一致。")
