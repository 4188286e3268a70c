"""Reading: safe YAML, pydantic schemas, partial dates, and the loaded project."""
