//! The writer lane: a thread of its own, with a single-threaded runtime, where the write
//! transactions of a SQLite file run (`Store::on_writer`).
//!
//! SQLite has one writer at a time, so the time a transaction holds the write connection is the
//! service's write throughput. On the shared runtime the transaction's task goes back to the
//! queue after each statement and waits there behind whatever requests are being parsed; on its
//! own thread the operating system schedules it as soon as its statement returns.

use crate::error::Result;
use std::future::Future;
use tokio::runtime::Handle;
use tokio::sync::oneshot;

pub(crate) struct WriterLane {
    handle: Handle,
    /// Dropping it (with the store) lets the thread's runtime, and the thread, end.
    _stop: oneshot::Sender<()>,
}

impl WriterLane {
    pub(crate) fn start() -> Result<WriterLane> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("weft-writer".into())
            .spawn(move || {
                let _ = runtime.block_on(stopped);
            })?;
        Ok(WriterLane {
            handle,
            _stop: stop,
        })
    }

    pub(crate) async fn run<T: Send + 'static>(
        &self,
        work: impl Future<Output = T> + Send + 'static,
    ) -> T {
        match self.handle.spawn(work).await {
            Ok(value) => value,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            // The lane's runtime only stops when the store is gone, which `&self` rules out.
            Err(e) => unreachable!("the writer lane stopped while in use: {e}"),
        }
    }
}
