"""The site: Markdown pages of an example (``render``), the diagrams (``diagram``, ``plot``),
the examples of a site (``sitegen``) and the MkDocs plugin (``plugin``)."""
