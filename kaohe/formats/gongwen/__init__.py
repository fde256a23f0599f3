"""The 公文 frame (GB/T 9704-2012 《党政机关公文格式》), for any document the office sends.

A document is a `frame.Frame` (发文机关, 发文字号, 标题, 主送机关, 署名, 成文日期, 抄送, 印发机关 and
印发日期) around a body that each document writes itself. Two renderings share the frame:

- Word: `word.gongwen_template(body)` builds a Word template (python-docx) whose frame is laid out
  by the standard — A4, top margin 37 mm, binding margin 28 mm, a text block of 156 × 225 mm with
  22 lines of 28 characters; the red 发文机关标志 centred, the 发文字号 with 〔〕 under it and the
  red rule; the title in 2号小标宋; 主送 and body in 3号仿宋_GB2312; headings 一、 in 黑体 and （一）
  in 楷体_GB2312; the 署名 and the 成文日期 in Arabic numerals, placed as the standard says; the
  版记 between rules; page numbers "— 1 —" in 4号宋体 at the outside edge (odd pages right, even
  pages left) — with Jinja placeholders (docxtpl) where the values go and the body's own. The
  office downloads it, changes it in Word or WPS and uploads it; `template.render_docx` fills any
  such template in a sandbox, `template.check_template` refuses one that does not render.
- PDF: the HTML print template `documents/gongwen.html` (kaohe/web/templates), which a document
  extends with its body, rendered by WeasyPrint (kaohe.formats.pdf), with the same measures
  (`style.css_variables`).

The fonts are those a Chinese office PC has, with the usual fallbacks (`style.FONTS`): Word names
them first and falls back through the font table's alternative names; the PDF names them first and
falls back to Debian's Noto CJK fonts, which it embeds. The title's lines are chosen once for both
(`title.title_lines`: between words, in a 梯形, the office's "|" as its own break). Kaohe's
documents: the results notice
(kaohe.formats.results_report.notice) and the unit's scorecard (kaohe.formats.scorecard).
"""
