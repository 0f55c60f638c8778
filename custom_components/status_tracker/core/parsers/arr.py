"""What Radarr and Sonarr payloads share: poster, tags, anime rules, episodes, file paths, manual-interaction text.

Anime (E13), in order: Sonarr `series.type == "anime"` (decided by the caller), the configured tag label in
`tags` (labels, lowercase; the key is absent before Radarr 5.3.4 / Sonarr 4.0.4), or any of the given paths
(folder, imported file) under a configured anime path prefix.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
import re
from typing import Any

from ..events import EpisodeRef, Event, Grabbed, MediaInfo
from ..models import AnimeRules
from . import InvalidPayload, ParseResult
from .fields import (
    JsonObject,
    download_id,
    optional_int,
    optional_list,
    optional_object,
    optional_str,
    require_int,
    sub,
)

# A Windows install's folders start with a drive letter (D:) or a UNC share (two backslashes); only there is a
# backslash a separator.
_WINDOWS_ROOT = re.compile(r"^(?:[A-Za-z]:|\\\\)")

# "S01E02", "s1e2", "S01E01E02", "S01E01-E02": the episodes a file name covers.
_EPISODE_CODE = re.compile(r"[Ss](\d{1,4})((?:[-_ ]?[Ee]\d{1,4})+)")
_EPISODE_NUMBER = re.compile(r"[Ee](\d{1,4})")


type Handler = Callable[[JsonObject, AnimeRules, bool], Event]


def dispatch(
    service: str, handlers: Mapping[str, Handler], payload: Any, rules: AnimeRules, *, is_4k: bool
) -> ParseResult:
    """Route a Radarr or Sonarr payload by its `eventType`; Test and unfollowed events are skipped with a reason."""
    data = as_object(payload)
    if data is None:
        return ParseResult.skip("payload is not a JSON object")
    event_type = optional_str(data, "eventType")
    if event_type is None:
        return ParseResult.skip(f"no eventType: not a {service} payload")
    if event_type == "Test":
        return ParseResult.skip(f"{service} test event")
    handler = handlers.get(event_type)
    if handler is None:
        return ParseResult.skip(f"{service} event {event_type} is not tracked")
    return ParseResult(events=(handler(data, rules, is_4k),))


def poster_url(item: JsonObject, path: str) -> str | None:
    """The poster's remote (TMDB/TVDB) URL; the local `url` is only reachable inside the *arr."""
    for image in optional_list(item, "images", path):
        if isinstance(image, dict) and image.get("coverType") == "poster":
            return optional_str(image, "remoteUrl") or None
    return None


def is_anime(item: JsonObject, path: str, rules: AnimeRules, paths: Iterable[str | None]) -> bool:
    """True when the tag label or a path says anime."""
    tags = {str(tag).casefold() for tag in optional_list(item, "tags", path) if tag is not None}
    if rules.tag_label and rules.tag_label.casefold() in tags:
        return True
    return any(rules.path_is_anime(value) for value in paths)


def library_path(folder: str | None, file: JsonObject, path: str) -> str | None:
    """Where the *arr keeps a movie or episode file: the movie/series folder joined with the file's `relativePath`.

    The file's own `path` is only the fallback (a payload without one of the two): before Radarr 5.10.1 and Sonarr
    4.0.9 an import's `path` is the file in the DOWNLOAD folder, before the rename (fixed upstream by Radarr 2700a6c
    and Sonarr a9b93dd), while `relativePath` is relative to the movie/series folder in every version. Deletes and
    the *arr history (`importedPath`) name the joined path too, so all three agree.
    """
    relative = optional_str(file, "relativePath", path)
    if folder is None or relative is None:
        return optional_str(file, "path", path)
    return _join_path(folder, relative)


def require_library_path(folder: str | None, file: JsonObject, path: str) -> str:
    """`library_path`, or InvalidPayload naming `path` when the file has neither a relativePath nor a path."""
    found = library_path(folder, file, path)
    if found is None:
        raise InvalidPayload(sub(path, "path"), "missing (and no relativePath)")
    return found


def _join_path(folder: str, relative: str) -> str:
    """`folder` and `relative` joined as the *arr's own Path.Combine does, so the result equals the paths it sends.

    A Windows folder joins with a backslash and may end in a backslash or "/"; elsewhere only "/" separates (a
    backslash is a legal character in a Linux file name). A folder that already ends with a separator gets no
    second one.
    """
    windows = _WINDOWS_ROOT.match(folder) is not None
    separators = "\\/" if windows else "/"
    relative = relative.lstrip(separators)
    if folder.endswith(tuple(separators)):
        return folder + relative
    return folder + ("\\" if windows else "/") + relative


def episodes(payload: JsonObject, *, required: bool) -> tuple[EpisodeRef, ...]:
    """The `episodes[]` list as refs; each item needs seasonNumber and episodeNumber."""
    if required and payload.get("episodes") is None:
        raise InvalidPayload("episodes", "missing")
    refs = []
    for index, item in enumerate(optional_list(payload, "episodes")):
        path = f"episodes[{index}]"
        if not isinstance(item, dict):
            raise InvalidPayload(path, "must be an object")
        refs.append(
            EpisodeRef(
                season=require_int(item, "seasonNumber", path),
                episode=require_int(item, "episodeNumber", path),
                title=optional_str(item, "title", path),
                sonarr_id=optional_int(item, "id", path) or None,
                tvdb_id=optional_int(item, "tvdbId", path) or None,
            )
        )
    return tuple(refs)


def episodes_in_name(name: str, known: Iterable[EpisodeRef]) -> tuple[EpisodeRef, ...]:
    """The known episodes a file name's SxxEyy code covers; () when it has none or names unknown ones."""
    match = _EPISODE_CODE.search(name)
    if match is None:
        return ()
    season = int(match.group(1))
    numbers = {int(number) for number in _EPISODE_NUMBER.findall(match.group(2))}
    by_key = {(ref.season, ref.episode): ref for ref in known}
    found = [by_key.get((season, number)) for number in sorted(numbers)]
    return tuple(ref for ref in found if ref is not None)


def manual_interaction_message(payload: JsonObject) -> str:
    """A short, user-facing text for ManualInteractionRequired from the *arr status messages."""
    messages: list[str] = []
    for index, entry in enumerate(optional_list(payload, "downloadStatusMessages")):
        if not isinstance(entry, dict):
            continue
        path = f"downloadStatusMessages[{index}]"
        texts = [str(text) for text in optional_list(entry, "messages", path) if text]
        messages.extend(texts or [title for title in [optional_str(entry, "title", path)] if title])
    status = optional_str(payload, "downloadStatus")
    detail = "; ".join(messages) if messages else (status or "no details")
    return f"Manual import needed: {detail}"


def as_object(payload: Any) -> JsonObject | None:
    """The payload when it is a JSON object, else None."""
    return payload if isinstance(payload, dict) else None


def grab(data: JsonObject, media: MediaInfo, refs: tuple[EpisodeRef, ...] = ()) -> Grabbed:
    """A Radarr or Sonarr Grab: the release, the download id and the client it went to (the same keys in both)."""
    release = optional_object(data, "release") or {}
    return Grabbed(
        media=media,
        download_id=download_id(data),
        quality=optional_str(release, "quality", "release"),
        release_title=optional_str(release, "releaseTitle", "release"),
        download_client_type=optional_str(data, "downloadClientType"),
        download_client=optional_str(data, "downloadClient"),
        episodes=refs,
    )
