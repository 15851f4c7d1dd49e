"""Worksheets: the lines with blanks and their keys (``model``), the files of a run
(``output``: HTML documents or PDFs), the Typst documents (``typeset``) and their compiler
(``compiler``). Never imports :mod:`handcalc.site`."""
