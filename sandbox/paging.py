"""Page slicing shared by every paged endpoint, including the page-boundary fault."""

from __future__ import annotations


def page_count(total: int, size: int) -> int:
    return (total + size - 1) // size if total else 0


def page_indices(total: int, pagina: int, size: int, *, boundary_fault: bool = False) -> list[int]:
    """Positions of page `pagina` (1-based) in O(page); [] past the end.

    With `boundary_fault` (the unstable server ordering LicitaGym measured, pncp.md §1.3), page
    k >= 2 repeats the previous page's last position in place of its own first: one item is
    duplicated and one skipped per boundary, the page length is unchanged.
    """
    start = (pagina - 1) * size
    if start >= total:
        return []
    indices = list(range(start, min(start + size, total)))
    if boundary_fault and pagina >= 2 and size < total:
        indices[0] = start - 1
    return indices
