"""Reader of the official text conversion (官方文本): the published PDF converted to text.

`reader.parse_official_text` and `reader.read_official_text` read it: `reader` walks the lines and
turns each table into a draft scheme, `rows` is the machine that places one row's cells in the
tree being built, and `cells` parses one cell (labels, content items, departments).

The format (see /work/shared/seeds/000_79da29b595756ae5.txt): every table row is one line of seven
tab-separated cells 序号 · 一级指标 · 二级指标 · 三级指标 · 考核内容 · 考核单位 · 备注. Each PDF page
repeats the header row and, on its first row, the merged labels; continuation rows leave merged
cells empty. Content cells are HTML lists (`<ol><li>…</li></ol>`, `<p>…</p>`) or plain "1. … 2. …"
text. A table's title is a markdown heading (`# …(2018年度)`) just before its header row; a table
whose title line is missing is recognised when, after a header row, the 序号 column restarts at 一
(e.g. "一 政治建设 (15分)" after 八).

`parse_official_text` gives one DRAFT `Scheme` per table, reproducing the source: nothing is
repaired, so `kaohe.core.check.check` on a draft shows the source's inconsistencies. How rows are
read:

- Labels "政治建设 (35分)" → title "政治建设", points 35; OCR spaces inside Chinese text are removed.
  A label equal (normalised title and points) to the current node of its column is that node again
  (a page-start repeat or a merged cell), never a new one. A slightly different spelling at a page
  start is a new node (the checker then shows the split) and is reported (`text-page-label`).
- Content: every numbered line, `<li>` or `<p>` is an item (title without number, "(n分)" and final
  punctuation; points from "(n分)"). A plain cell of one unnumbered sentence is the `content` of its
  criterion when the criterion has points: the sentence without its "(n分)", final punctuation kept
  as in the curated schemes (its "(n分)" is compared with the label's points).
- An empty 三级指标 cell: on a row that starts a new 二级指标, the items hang directly under the
  indicator; otherwise the content continues the node that took the previous row's content in the
  same indicator — unless the row's 备注 differs from that criterion's, in which case the merged
  criterion label is read as a variant of it for the other units (a new criterion with the same
  title and points and this row's note). When an indicator that holds items directly later gets a
  三级指标, those items are moved into a criterion with an empty title and no points (the lost label
  cell), so the draft never mixes levels (`text-mixed-levels`).
- Rows shifted sideways by the conversion (the 考核内容 cell found in another column, the columns at
  the other end empty) are read with their cells moved back so that the content sits in 考核内容
  (`text-shifted`). This only undoes the conversion's column shift; the row's labels stay as
  printed, so a label that lands under the wrong parent still shows up in the checker.
- 考核单位 is split on whitespace; fragments of one name broken by OCR (市委党史 研究室) are joined.
  备注 is kept with spaces removed. Departments sit on the criterion (or on an indicator that holds
  items directly); a continuation row naming other departments gives them to its items.
- A row that exactly repeats an earlier row is KEPT in the draft (so the checker's `duplicate`
  finding shows it too) and reported as `text-duplicate-row`.

Reader findings (code, severity), each with the file and line:
text-columns (E) a row with the wrong number of cells; text-truncated (E) the last row is cut off;
text-shifted (W) a row read with its cells moved back into their columns; text-no-points (E) a
label without "(n分)"; text-bad-points (E) a "(n分)" that is not a valid amount; text-item-no-points
(E) a content item without "(n分)"; text-content-points (E) a criterion's one-sentence content
worth other points than its label; text-merged-labels (W) a label cell holding several "(n分)";
text-merged-items (W) an item holding several "(n分)"; text-no-department (W) a row whose leaf has
no 考核单位; text-no-content (W) a leaf label without 考核内容; text-missing-label (E) a row that
needs a parent label the source does not give; text-mixed-levels (W); text-page-label (W);
text-duplicate-row (W); text-no-title (W) a table without a title line; text-no-year (E);
text-no-total (E) no 一级指标 has points; text-header (W) a header row with other columns;
text-stray-line (W) a line inside a table that is not a row; text-no-rows (E) a table without a
readable row.

Unreadable input (empty, binary, no header row) raises `FormatError`; nothing else is raised.
"""
