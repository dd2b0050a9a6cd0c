// RFC 3161 tests (filled in below)
