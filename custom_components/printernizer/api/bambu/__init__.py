"""Bambu Lab LAN protocol: MQTT over TLS, FTPS, SSDP discovery."""
