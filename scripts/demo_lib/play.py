"""scripts/demo: the whole product on this machine, no media stack needed (see scripts/demo_lib/stack.py).

Starts Home Assistant (config in .demo/config, recreated on every run), a qBittorrent pair, the Jellyfin/Shoko
stand-ins, adds the integration (with DEMO_OPTIONS: stuck after 5 min), puts the card on the default dashboard and
plays three requests that go wrong (failed, needs attention, stuck) and the four flows. Keeps running until Ctrl-C
(or SIGTERM), then stops everything it started.
"""

from __future__ import annotations

import os
from pathlib import Path
import shutil
import signal
import sys
import time
from types import FrameType

from scripts.demo_lib.stack import DEMO_OPTIONS, FLOWS, ROOT, STUCK, TROUBLES, Download, Flow, Stack, wait_for

USERNAME = "demo"
PASSWORD = "demo-password"  # noqa: S105 - a throwaway local account, printed for the user


def _say(text: str) -> None:
    print(text, flush=True)


def _done(flow: Flow, download: Download, state: dict[str, object]) -> bool:
    """Whether Home Assistant shows this download as DOWNLOADED (the movie, or its episode rows)."""
    if flow.media_type == "movie":
        return state["state"] == "downloaded"
    rows = {row["episode"]: row["state"] for row in state["attributes"]["episodes"]}  # type: ignore[index]
    return all(rows.get(number) == "downloaded" for number in download.episodes)


_STARTED = time.time()


def _since_start() -> str:
    """Seconds since scripts/demo started (it exports DEMO_STARTED), or since this program started."""
    started = float(os.environ.get("DEMO_STARTED") or _STARTED)
    return f"{time.time() - started:.0f} s"


def play(stack: Stack) -> None:
    """The requests that go wrong first (the stuck clock starts), then the four flows, paced to be watched."""
    _say("Jellyseerr: The Beekeeper requested, then it could not be sent to Radarr (failed)")
    _say("Sonarr: Only Murders in the Building S04E05 needs a manual import (needs attention)")
    _say(f"Radarr: grabbed Akira, a torrent nobody seeds (flagged stuck after {DEMO_OPTIONS['stuck_after']} min)")
    for trouble in TROUBLES:
        stack.play_trouble(trouble)
    _say(f"Useful screen: the dashboard shows {len(TROUBLES)} requests, {_since_start()} after scripts/demo started")
    _say("Jellyseerr: four requests, automatically approved")
    for flow in FLOWS:
        stack.post_webhook(flow.request)
        time.sleep(1)
    time.sleep(4)
    _say("Radarr/Sonarr: releases grabbed (the torrents' real hashes)")
    for flow in FLOWS:
        for download in flow.downloads:
            stack.post_webhook(download.grab, download_id=stack.info_hash(download))
    time.sleep(5)
    _say("qBittorrent: downloading (throttled, 30-45 s each)")
    for flow in FLOWS:
        for download in flow.downloads:
            stack.add_torrent(download)
    imported: set[str] = set()
    completed: dict[str, float] = {}
    deadline = time.monotonic() + 600
    while len(imported) < sum(len(flow.downloads) for flow in FLOWS) and time.monotonic() < deadline:
        time.sleep(1)
        progress = stack.torrent_progress()
        states = stack.request_states()
        for flow in FLOWS:
            for download in flow.downloads:
                if download.key in imported or progress.get(download.key, 0) < 1:
                    continue
                completed.setdefault(download.key, time.monotonic())
                # Radarr/Sonarr import a few seconds after the download ends; leave DOWNLOADED on screen a moment.
                if not _done(flow, download, states[flow.title]) and time.monotonic() - completed[download.key] < 20:
                    continue
                if time.monotonic() - completed[download.key] < 4:
                    continue
                _say(f"{download.service.capitalize()}: imported {download.file_name}")
                for fixture in download.imports:
                    stack.post_webhook(fixture, download_id=stack.info_hash(download))
                time.sleep(3)
                what = "Shoko matches, then Jellyfin lists" if flow.is_anime else "Jellyfin lists"
                _say(f"{what}: {flow.title} {' '.join(f'E{n:02d}' for n in download.episodes)}".rstrip())
                stack.control("import", {"media": flow.media, "episodes": list(download.episodes)})
                imported.add(download.key)
    _say("Every download is imported; Jellyfin confirms the rest within about 20 s.")
    try:
        wait_for(
            "the stuck flag",
            lambda: stack.request_states()[STUCK.title]["attributes"].get("stuck_since"),
            DEMO_OPTIONS["stuck_after"] * 60 + 120,
            interval=5,
        )
        _say(f"Home Assistant: {STUCK.title} is flagged stuck ({_since_start()} after start); see its repair issue.")
    except TimeoutError as err:
        _say(f"{STUCK.title} was not flagged stuck: {err}")


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    # A second signal must not interrupt the cleanup.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt


def main() -> None:
    """Entry point of scripts/demo."""
    port = int(os.environ.get("DEMO_PORT", "8123"))
    workdir = ROOT / ".demo"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir()
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    signal.signal(signal.SIGINT, _stop_on_sigterm)
    stack = Stack(
        workdir=workdir,
        ha_config=workdir / "config",
        ha_port=port,
        python=sys.executable,
        username=USERNAME,
        password=PASSWORD,
        time_scale=1.5,
        log=_say,
        options=DEMO_OPTIONS,
    )
    try:
        _say(f"Starting the demo stack in {Path(workdir).relative_to(ROOT)}/ ...")
        stack.start()
        _say(
            f"\nHome Assistant: {stack.ha_url}  (DEMO_PORT={port}; log in as {USERNAME!r} / {PASSWORD!r})\n"
            f"Dashboard:      {stack.dashboard_url}\n"
            f"Logs:           .demo/home-assistant.log, .demo/standins.log\n"
        )
        play(stack)
        _say(f"\nDone: open {stack.dashboard_url}. Ctrl-C stops everything.")
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        _say("\nStopping ...")
    finally:
        stack.stop()
        _say("Stopped Home Assistant, qBittorrent and the stand-ins.")


if __name__ == "__main__":
    main()
