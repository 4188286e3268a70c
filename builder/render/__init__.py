"""Rendering: view values, Markdown, diagrams, the HTML site and PDFs (WeasyPrint), as values."""
