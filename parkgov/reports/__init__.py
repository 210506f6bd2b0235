"""PDF reports: 一企一档 and 一地一档 dossiers (one or a batch), the annual evaluation report of a zone, and the
shared rendering (`pdf.render_pdf`, `charts`) other apps use for their own printed reports."""
