import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// A TCP forwarder from a fixed port on 127.0.0.1 to an embedded broker's ephemeral port.
///
/// librdkafka's mock cluster in 2.0.2 cannot listen on a chosen port. Clients that bootstrap through
/// this port receive metadata naming the brokers' own addresses and connect to them directly, so
/// only bootstrap traffic passes through here. Each connection uses two dedicated threads.
public final class BootstrapForwarder: Sendable {
    private let listener: Int32
    private let stopped = Locked(false)
    private let logger: Logger
    /// The port it listens on.
    public let port: Int

    /// Listens on `127.0.0.1:port` and forwards each connection to `127.0.0.1:target`.
    public init(port: Int, target: Int, logger: Logger) throws(KafkaError) {
        self.logger = logger
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw .embeddedBroker("socket(): \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw .embeddedBroker("cannot listen on 127.0.0.1:\(port): \(reason)")
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.port = Int(UInt16(bigEndian: actual.sin_port))
        listener = fd
        let stopped = self.stopped
        DedicatedThread.start(name: "streamscore-forwarder-accept") {
            while !stopped.withLock({ $0 }) {
                let client = accept(fd, nil, nil)
                if client < 0 {
                    if errno == EINTR { continue }
                    break
                }
                Self.forward(client, to: target, logger: logger)
            }
        }
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    private static func forward(_ client: Int32, to target: Int, logger: Logger) {
        let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = loopback(port: target)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard upstream >= 0, connected == 0 else {
            logger.warning("forwarder cannot reach broker port \(target)")
            close(client)
            if upstream >= 0 { close(upstream) }
            return
        }
        var one: Int32 = 1
        setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(upstream, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let pending = Locked(2)
        let finish: @Sendable () -> Void = {
            if pending.withLock({ n -> Int in n -= 1; return n }) == 0 {
                close(client)
                close(upstream)
            }
        }
        DedicatedThread.start(name: "streamscore-forwarder-up") { pump(from: client, to: upstream); finish() }
        DedicatedThread.start(name: "streamscore-forwarder-down") { pump(from: upstream, to: client); finish() }
    }

    private static func pump(from source: Int32, to sink: Int32) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            var sent = 0
            while sent < n {
                let w = buffer.withUnsafeBytes { write(sink, $0.baseAddress! + sent, n - sent) }
                if w <= 0 { shutdown(source, Int32(SHUT_RDWR)); return }
                sent += w
            }
        }
        shutdown(sink, Int32(SHUT_WR))
    }

    /// Stops accepting connections.
    public func stop() {
        let first = stopped.withLock { s -> Bool in
            defer { s = true }
            return !s
        }
        if first {
            shutdown(listener, Int32(SHUT_RDWR))
            close(listener)
        }
    }

    deinit { stop() }
}
