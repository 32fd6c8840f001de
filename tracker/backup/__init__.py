"""Backup and restore: one archive holding a consistent database dump, every attachment file and a manifest
of checksums (docs/deployment.md, 备份与恢复)."""
