import CConcurrencyHook
import Logging
import NIOCore
import NIOPosix

/// Runs the process's async code on NIO's event loops instead of Dispatch's thread pool.
///
/// A request's task then runs on the thread that read its socket, and its writes need no hop back: with
/// Dispatch as the global executor every request crossed threads several times (the profile of the API
/// under load showed 71% of its time on Dispatch's threads, the rest on the event loops). NIO's own switch
/// (`NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor`) finds the
/// runtime's hook with `dlsym`, which fails when the Swift runtime is linked in statically, as in the image,
/// so the hook is set here through a C declaration the static linker resolves. The same assumptions as
/// NIO's: the hook is set at the start of `main`, before other tasks exist, and a C function pointer with
/// two pointer arguments is called correctly with the Swift calling convention (true on x86-64 and arm64).
public enum EventLoopExecutor {
    /// Call first thing in `main`. False if another global executor hook was already installed.
    @discardableResult
    public static func install() -> Bool {
        let hook: @convention(c) (UnsafeMutableRawPointer, UnsafeRawPointer?) -> Void = { job, _ in
            let job = unsafeBitCast(job, to: UnownedJob.self)
            // `any()` is the current loop when called from one of the group's threads: no thread switch.
            MultiThreadedEventLoopGroup.singleton.any().executor.enqueue(ExecutorJob(job))
        }
        return tableorder_install_enqueue_global_hook(unsafeBitCast(hook, to: UnsafeMutableRawPointer.self))
    }

    /// Installs the hook and checks that a new task really starts on an event loop (what the start-up
    /// log line reports, and what the deployment check reads from the image's binaries).
    public static func installAndCheck() async -> Bool {
        install()
        return await Task.detached { MultiThreadedEventLoopGroup.currentEventLoop != nil }.value
    }

    /// The start-up line saying where async code runs.
    public static func report(onEventLoops: Bool, logger: Logger) {
        if onEventLoops {
            logger.info("async code runs on the event loops")
        } else {
            logger.warning("async code runs on Dispatch's threads: the global executor hook could not be installed")
        }
    }
}
