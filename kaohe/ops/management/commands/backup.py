"""`kaohe backup FILE`: the database and every evidence file in one archive (tar.gz)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from kaohe.audit.context import acting_as
from kaohe.audit.record import record
from kaohe.ops.archive import ArchiveError
from kaohe.ops.backup import create_backup


class Command(BaseCommand):
    help = ("备份数据库和数据库引用的全部证据文件到一个归档文件（tar.gz）：kaohe backup FILE。"
            "在一个只读事务中读出全部数据；写完才改名为 FILE，文件只有属主可读；"
            "整个文件的 SHA-256 写在旁边的 FILE.sha256。"
            "用 kaohe restore --check FILE 检查备份，kaohe restore FILE 恢复到新安装。")

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="要写出的备份文件，如 kaohe-2026-11-25.tar.gz（已有则替换）")

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        try:
            summary = create_backup(path)
        except ArchiveError as error:
            raise CommandError(f"备份失败：{error}") from None
        except OSError as error:
            raise CommandError(f"备份失败：{path}：{error.strerror or error}") from None
        with transaction.atomic(), acting_as(name="kaohe backup"):
            record("backup.create", "backup", path.name[:200], new={
                "rows": summary.rows, "evidence": summary.evidence, "size": summary.size,
                "sha256": summary.sha256})
        self.stdout.write(
            f"已写出备份 {path}：{summary.models} 个数据表共 {summary.rows} 行，{summary.evidence} 个证据文件，"
            f"{_size(summary.size)}，SHA-256 {summary.sha256}（另存于 {path.name}.sha256）")
        if summary.missing:
            self.stderr.write(f"注意：数据库引用的 {len(summary.missing)} 个证据文件在磁盘上找不到，未能备份"
                              f"（如 {summary.missing[0]}）；kaohe evidence check 列出全部。")


def _size(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.1f} KB"
