"""Worksheets: the lines with blanks and their keys (``model``), HTML documents and site
pages (``output``), PDFs (``pdf``). Never imports :mod:`handcalc.site`."""
