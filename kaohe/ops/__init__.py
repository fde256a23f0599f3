"""Running an installation: the shipped defaults and the demo (`kaohe load-defaults`, `kaohe demo`),
backup and restore (`kaohe backup`, `kaohe restore`), the client's address behind the reverse
proxy, and the log-in lock-out page. Owns no models; sits at the top, beside the API."""
