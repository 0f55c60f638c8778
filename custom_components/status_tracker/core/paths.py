"""File paths as the services report them, compared by their tail (E15 to E17).

Radarr, Sonarr, qBittorrent, Jellyfin and Shoko see one file under different mount roots and maybe different
separators (Shoko on Windows), so only the last components are compared, case-insensitively.
"""

from __future__ import annotations


def normalize_path(path: str) -> str:
    """Forward slashes, no empty components, no trailing slash."""
    return "/".join(part for part in path.replace("\\", "/").split("/") if part)


def path_tail(path: str, components: int = 2) -> str:
    """The last `components` components of a path, "/"-separated (the file name alone if that is all there is)."""
    parts = normalize_path(path).split("/")
    return "/".join(parts[-components:])


def path_tails(path: str | None) -> list[str]:
    """The keys a path is found by, longest first: "folder/file" (when it has a folder) and "file", casefolded."""
    folded = normalize_path(path or "").casefold()
    if not folded:
        return []
    parts = folded.split("/")
    return ["/".join(parts[-2:]), parts[-1]] if len(parts) > 1 else [parts[-1]]


def tail_matches(candidate: str, tail: str, *, relative: bool = False) -> bool:
    """Whether `candidate` ends with the path `tail`, component-wise and case-insensitively.

    With `relative`, `candidate` is relative to a folder that may hold the first components of `tail` (a file at
    the root of a Shoko import folder has a one-component RelativePath), so a shorter candidate may match.
    """
    want = normalize_path(tail).casefold().split("/")
    have = normalize_path(candidate).casefold().split("/")
    if want == [""] or have == [""]:
        return False
    if len(have) < len(want):
        return relative and have == want[-len(have) :]
    return have[-len(want) :] == want
