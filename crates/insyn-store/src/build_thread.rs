//! The thread that builds a bulk capture's statements ahead of the writer (see `new_chunk` in
//! `common.rs`).
//!
//! One thread of its own, started on first use, rather than tokio's blocking pool: what it
//! allocates (a chunk's bound values) is freed by the task that writes the chunk, and the
//! allocator returns such memory to the thread that allocated it only when that thread
//! allocates again. Spread over a pool of twenty threads that each ran a chunk now and then, a
//! 1M-record demo load peaked at 711 MB instead of 407 MB; one thread that builds every chunk
//! takes its memory back each time.
use std::sync::mpsc::{Sender, channel};
use std::sync::{Mutex, OnceLock};
use tokio::sync::oneshot;

type Job = Box<dyn FnOnce() + Send>;

/// The builder's queue, or `None` when the thread could not be started.
fn queue() -> &'static Option<Mutex<Sender<Job>>> {
    static QUEUE: OnceLock<Option<Mutex<Sender<Job>>>> = OnceLock::new();
    QUEUE.get_or_init(|| {
        let (tx, rx) = channel::<Job>();
        match std::thread::Builder::new()
            .name("insyn-store-build".into())
            .spawn(move || {
                for job in rx {
                    job();
                }
            }) {
            Ok(_) => Some(Mutex::new(tx)),
            Err(e) => {
                tracing::warn!(error = %e, "cannot start the statement builder thread; building inline");
                None
            }
        }
    })
}

/// Runs `f` on the builder thread; the answer is `f`'s value, or its panic. Runs `f` at once on
/// the calling thread when the builder thread cannot be had.
pub(crate) fn build<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> oneshot::Receiver<std::thread::Result<T>> {
    let (answer, answered) = oneshot::channel();
    let job: Job = Box::new(move || {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        // the caller may have stopped waiting (a failed chunk before this one)
        let _ = answer.send(result);
    });
    match queue() {
        Some(q) => {
            let sent = q
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .send(job);
            // the thread is gone: build here
            if let Err(std::sync::mpsc::SendError(job)) = sent {
                job();
            }
        }
        None => job(),
    }
    answered
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn builds_on_its_own_thread_in_order_and_reports_panics() {
        let names: Vec<_> = (0..3)
            .map(|n| build(move || (n, std::thread::current().name().map(str::to_string))))
            .collect();
        for (n, answered) in names.into_iter().enumerate() {
            let (got, name) = answered.await.unwrap().unwrap();
            assert_eq!(got, n);
            assert_eq!(name.as_deref(), Some("insyn-store-build"));
        }
        let panicked = build(|| -> u8 { panic!("a bug in a builder") })
            .await
            .unwrap();
        assert!(panicked.is_err());
        // the thread goes on after a panic
        assert_eq!(build(|| 7).await.unwrap().unwrap(), 7);
    }
}
