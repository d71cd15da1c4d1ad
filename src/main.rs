//! The `smppd` binary: parses the command line and hands over to [`smppd::cli`].

/// jemalloc instead of glibc malloc: the gateway allocates and frees small buffers per PDU
/// on every worker thread, and glibc's arena bookkeeping (malloc_consolidate, unlink_chunk,
/// posix_memalign for task cells) was ~12 % of the tokio workers' CPU in the end-to-end
/// profile (benches/README.md). jemalloc rather than mimalloc: both cut smppd's CPU per
/// message, but mimalloc doubled the gateway's resident memory in the same runs.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> std::process::ExitCode {
    smppd::cli::main()
}
