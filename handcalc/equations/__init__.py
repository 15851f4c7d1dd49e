"""The equations of a trace: which ones a step has, and how each dialect prints them.

``latex`` prints them for KaTeX (the site and the HTML worksheets); ``pagecheck`` reads
printed LaTeX back and redoes the arithmetic. Imports only :mod:`handcalc.core`.
"""
