"""Stand-ins for the services the integration talks to (no fixtures, no test functions).

services.py: stateful Seerr, Radarr/Sonarr and Jellyfin-plugin settings APIs on aioresponses; shoko.py: a Shoko
server on 127.0.0.1 speaking the real SignalR protocol; qbittorrent.py: a real qbittorrent-nox pair (seeder and
leecher) on loopback. scripts/standins.py and scripts/demo_lib reuse the last two.
"""
