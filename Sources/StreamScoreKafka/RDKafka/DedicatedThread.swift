import Foundation

/// Runs blocking work on threads outside Swift's cooperative pool.
enum DedicatedThread {
    /// Starts a named, long-lived thread.
    static func start(name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.name = name
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Runs `body` on a fresh thread and returns its result without blocking the caller's executor.
    static func run<T: Sendable>(name: String, _ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { (continuation: CheckedContinuation<T, Never>) in
            start(name: name) { continuation.resume(returning: body()) }
        }
    }

    /// Runs `body` on a fresh thread, giving up waiting after `deadline`. On a timeout the thread
    /// is abandoned (it keeps running) and `nil` is returned: used for librdkafka calls that can hang.
    static func run<T: Sendable>(name: String, deadline: Duration, _ body: @escaping @Sendable () -> T) async -> T? {
        let state = Locked<(done: Bool, continuation: CheckedContinuation<T?, Never>?)>((false, nil))
        let finished = DispatchSemaphore(value: 0)
        return await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
            state.withLock { $0.continuation = continuation }
            start(name: name) {
                let value = body()
                let c: CheckedContinuation<T?, Never>? = state.withLock { s in
                    if s.done { return nil }
                    s.done = true
                    return s.continuation
                }
                c?.resume(returning: value)
                finished.signal()
            }
            start(name: name + "-deadline") {
                if finished.wait(timeout: .now() + deadline.timeInterval) == .success { return }
                let c: CheckedContinuation<T?, Never>? = state.withLock { s in
                    if s.done { return nil }
                    s.done = true
                    return s.continuation
                }
                c?.resume(returning: nil)
            }
        }
    }
}

extension Duration {
    /// The duration in seconds as a `Double`.
    var timeInterval: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
