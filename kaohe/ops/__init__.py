"""Running an installation: backup and restore (`kaohe backup`, `kaohe restore`), the client's
address behind the reverse proxy, and the log-in lock-out page. Owns no models."""
