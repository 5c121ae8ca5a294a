import click


def print_table(headings, rows):
    """Rows of text in aligned columns, under their headings."""
    rows = [tuple(headings)] + [tuple(row) for row in rows]
    widths = [max(len(row[i]) for row in rows) for i in range(len(headings))]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
