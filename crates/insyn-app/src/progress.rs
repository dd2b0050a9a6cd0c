/// Progress of long work (demo load, verify, backup, reindex). The CLI shows it as a bar.
pub trait Progress: Send + Sync {
    /// Starts a new phase of `len` steps (0 when unknown).
    fn start(&self, phase: &str, len: u64);
    fn advance(&self, steps: u64);
    fn finish(&self);
}

/// Progress nobody watches (tests, the server).
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _: &str, _: u64) {}
    fn advance(&self, _: u64) {}
    fn finish(&self) {}
}
