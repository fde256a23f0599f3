"""`kaohe restore FILE`: a backup into an empty installation; `kaohe restore --check FILE`: check it."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kaohe.ops.archive import ArchiveError
from kaohe.ops.restore import restore_backup, verify_backup


class Command(BaseCommand):
    help = ("从 kaohe backup 写出的备份恢复：kaohe restore FILE。只恢复到空的新安装"
            "（新的数据库和数据目录，已运行 kaohe migrate）；先检查整个备份直到最后一个字节"
            "（清单、每个成员的校验和、tar 结束块、gzip 的 CRC 与长度，以及旁边 FILE.sha256 记录的校验和），"
            "有任何问题都不做任何改动。--check 只检查备份是否完整，不恢复。")

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="kaohe backup 写出的备份文件")
        parser.add_argument("--check", action="store_true", help="只检查备份是否完整未改动，不恢复（任何安装都可以）")

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        try:
            summary = verify_backup(path) if options["check"] else restore_backup(path)
        except ArchiveError as error:
            raise CommandError(f"{path}：{error}；未做任何改动。") from None
        manifest = summary.manifest.data
        what = (f"{summary.models} 个数据表共 {summary.rows} 行，{summary.evidence} 个证据文件"
                f"（备份于 {manifest.get('created_at')}，Kaohe {manifest.get('kaohe_version')}，"
                f"{manifest.get('database_vendor')}）")
        beside = (f"，与 {path.name}.sha256 一致" if summary.sidecar_checked
                  else f"（旁边没有 {path.name}.sha256，已核对归档自身的 CRC 与结尾）")
        what += beside
        if options["check"]:
            self.stdout.write(f"备份完整：{path}：{what}")
        else:
            self.stdout.write(f"已恢复 {path}：{what}，行数与校验和均已核对")
