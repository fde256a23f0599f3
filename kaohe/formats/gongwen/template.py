"""Word templates filled in a sandbox: the office's own templates are hostile input.

- `check_package(data)`: before anything parses it, the upload is bounded and must be a Word
  document: at most `MAX_TEMPLATE_BYTES` on the wire, a zip whose central directory is small (the
  workbook readers' limits, kaohe.formats.workbook), whose members unpack to at most
  `MAX_TEMPLATE_UNPACKED` bytes together, with a Word document as its main part; a macro-enabled
  document (.docm, a vbaProject part) is refused (docxtpl never runs macros, and Kaohe does not pass
  them on either); a .doc (OLE) file is told to be saved as .docx.
- `render_docx(template, context)`: docxtpl with Jinja's `SandboxedEnvironment` (no attribute of
  Python internals, no `range`, no big repetition of strings or lists), undefined placeholders an
  error (`StrictUndefined`), every value XML-escaped; the result bounded too.
- `check_template(template, context, known)`: what an upload must pass — it renders with a sample
  context, and it names no placeholder outside `known`, even in a branch the sample does not take.

Every failure is a `TemplateError` whose message says why: `str(error)` in Chinese,
`error.message(gettext)` in the page's language (its reasons are in the catalogue).
"""

from __future__ import annotations

import io
import operator
import zipfile
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from docxtpl import DocxTemplate  # type: ignore[import-untyped]  # no type information
from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError
from jinja2 import TemplateError as JinjaError
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from kaohe.formats.errors import BROKEN_ZIP
from kaohe.formats.zipped import MAX_DIRECTORY, MAX_MEMBERS, OLE_MAGIC, zip_directory

MAX_TEMPLATE_BYTES = 5 * 1024 * 1024  # a Word template with a logo is some 100 KB
MAX_TEMPLATE_UNPACKED = 40 * 1024 * 1024
MAX_OUTPUT_BYTES = 200 * 1024 * 1024  # a rendered document's XML
MAX_REPEAT = 10_000  # "x" * n and [..] * n in a template
WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
WORD_TEMPLATE_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
MACRO_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"


def _(text: str) -> str:
    """Marks a reason for the translation catalogue; `TemplateError.message` translates it."""
    return text


class TemplateError(Exception):
    """A template that cannot be used; the message says why (a reason with %(name)s values)."""

    def __init__(self, reason: str, **values: object) -> None:
        self.reason, self.values = reason, values
        super().__init__(reason % values if values else reason)

    def message(self, translate: Callable[[str], str]) -> str:
        """The reason in the language of `translate` (gettext)."""
        text = translate(self.reason)
        return text % self.values if self.values else text


class _Sandbox(SandboxedEnvironment):
    """Jinja's sandbox, with no `range` and no repetition that would make a huge string or list."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator_name: str, left: Any, right: Any) -> Any:
        if operator_name == "**":
            if isinstance(right, int | float) and abs(right) > 64:
                raise SecurityError("指数过大")
            return operator.pow(left, right)
        for count, other in ((left, right), (right, left)):
            if isinstance(count, int) and isinstance(other, str | list | tuple) and count * max(1, len(other)) > MAX_REPEAT:
                raise SecurityError("重复次数过多")
        return operator.mul(left, right)


def environment() -> SandboxedEnvironment:
    env = _Sandbox(undefined=StrictUndefined, autoescape=True)
    env.globals.pop("range", None)
    return env


def check_package(data: bytes) -> None:
    """Refuse what is not a bounded Word document (see the module docstring)."""
    if len(data) > MAX_TEMPLATE_BYTES:
        raise TemplateError(_("文件过大（%(size)s MB），模板不能超过 %(limit)s MB。"),
                            size=f"{len(data) / 1024 / 1024:.1f}", limit=MAX_TEMPLATE_BYTES // 1024 // 1024)
    if data.startswith(OLE_MAGIC):
        raise TemplateError(_("这是旧版 Word 文档（.doc）或加密文档，请在 Word 或 WPS 中另存为 .docx 后上传。"))
    if not data.startswith(b"PK\x03\x04"):
        raise TemplateError(_("不是 Word 文档（.docx）。"))
    source = io.BytesIO(data)
    announced = zip_directory(source)
    if announced is None:
        raise TemplateError(_("文件已损坏：不是完整的 .docx 压缩包。"))
    if announced[0] > MAX_MEMBERS or announced[1] > MAX_DIRECTORY:
        raise TemplateError(_("压缩包的成员过多（超过 %(limit)s 个），不是 Word 文档。"), limit=MAX_MEMBERS)
    try:
        with zipfile.ZipFile(source) as package:
            members = package.infolist()
            if sum(member.file_size for member in members) > MAX_TEMPLATE_UNPACKED:
                raise TemplateError(_("解压后超过 %(limit)s MB，不是正常的 Word 模板。"),
                                    limit=MAX_TEMPLATE_UNPACKED // 1024 // 1024)
            names = {member.filename for member in members}
            if "[Content_Types].xml" not in names:
                raise TemplateError(_("不是 Word 文档（.docx）：缺少内容类型说明。"))
            types = package.read("[Content_Types].xml").decode("utf-8", errors="replace")
    except BROKEN_ZIP:
        raise TemplateError(_("文件已损坏，无法解压。")) from None
    if MACRO_MAIN in types or any(name.lower().endswith("vbaproject.bin") for name in names):
        raise TemplateError(_("模板含有宏（.docm），不予接受：请另存为不含宏的 .docx。"))
    if WORD_MAIN not in types and WORD_TEMPLATE_MAIN not in types:
        raise TemplateError(_("不是 Word 文档（.docx）：其中没有 Word 正文。"))


def _refused(error: Exception) -> TemplateError:
    if isinstance(error, UndefinedError):
        return TemplateError(_("模板中有未知的占位符：%(detail)s"), detail=error.message)
    if isinstance(error, TemplateSyntaxError):
        return TemplateError(_("模板语法错误：%(detail)s（请检查 {{ }} 和 {%% %%} 是否成对、拼写是否正确）"),
                             detail=error.message)
    if isinstance(error, SecurityError):
        return TemplateError(_("模板中有不允许的操作：%(detail)s"), detail=str(error))
    return TemplateError(_("模板无法生成文档：%(detail)s"), detail=str(error))


def _open(template: bytes) -> DocxTemplate:
    check_package(template)
    try:
        document = DocxTemplate(io.BytesIO(template))
        document.init_docx()
    except (*BROKEN_ZIP, KeyError) as error:
        raise TemplateError(_("文件已损坏，无法作为 Word 文档打开（%(detail)s）。"), detail=type(error).__name__) from None
    except Exception as error:  # python-docx raises its own errors for a document it cannot read
        raise TemplateError(_("文件无法作为 Word 文档打开：%(detail)s"), detail=str(error)) from None
    return document


def render_docx(template: bytes, context: Mapping[str, Any]) -> bytes:
    """The template filled with `context` (see the module docstring); raises TemplateError."""
    document = _open(template)
    try:
        document.render(dict(context), jinja_env=environment(), autoescape=True)
        out = io.BytesIO()
        document.save(out)
    except (JinjaError, SecurityError) as error:
        raise _refused(error) from None
    except Exception as error:  # the XML the template's text produces may not parse
        raise TemplateError(_("模板无法生成文档：%(detail)s"), detail=f"{type(error).__name__}：{error}") from None
    if out.tell() > MAX_OUTPUT_BYTES:
        raise TemplateError(_("生成的文档过大。"))
    return out.getvalue()


def placeholders(template: bytes) -> set[str]:
    """The names a template reads from its context (its loops' own variables left out)."""
    document = _open(template)
    try:
        return set(document.get_undeclared_template_variables(environment()))
    except JinjaError as error:
        raise _refused(error) from None


def check_template(template: bytes, context: Mapping[str, Any], known: Iterable[str]) -> bytes:
    """Refuse a template that names an unknown placeholder or does not render with `context`;
    returns the rendered sample."""
    unknown = sorted(placeholders(template) - set(known))
    if unknown:
        raise TemplateError(_("模板中有未知的占位符：%(names)s（可用的占位符见本页说明）。"), names=", ".join(unknown))
    return render_docx(template, context)
