"""The department scoring grid: its data (`data`: which units a page shows, the cells and progress,
in a fixed number of queries), its HTML (`html`: the cells written as escaped f-strings) and its
pages (`views`: the page, saving a cell, submitting; with their URLs)."""
