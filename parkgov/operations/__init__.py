"""Operations: backup and restore of a whole deployment (database snapshot, media folder, manifest).

The public entry points are `create_backup` and `restore_backup` in `parkgov.operations.services`.
"""
