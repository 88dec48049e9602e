"""Counter printing: documents, pure layouts, ESC/POS and ZPL rendering, printer targets and the print spool."""
