import AsyncHTTPClient
import Foundation
import Histogram
import NIOCore
import NIOPosix
import Synchronization

/// Closed-loop HTTP/1.1 load over keep-alive connections: each connection sends one request,
/// waits for the whole answer, records the latency, and sends the next.
struct LoadResult: Sendable {
    var requests: Int
    var errors: Int
    var seconds: Double
    /// Latencies in microseconds.
    var histogram: Histogram<UInt64>
    var firstError: String?

    var requestsPerSecond: Double { Double(requests) / seconds }

    func percentileMs(_ p: Double) -> Double { Double(histogram.valueAtPercentile(p)) / 1000 }
}

/// Shared state of one load phase.
final class LoadRecorder: Sendable {
    private struct State {
        var histogram = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000,
                                          numberOfSignificantValueDigits: .three)
        var requests = 0
        var errors = 0
        var firstError: String?
        var recording = false
    }

    private let state = Mutex(State())
    private let stopFlag = Atomic<Bool>(false)
    private let recordingFlag = Atomic<Bool>(false)

    var stopped: Bool { stopFlag.load(ordering: .relaxed) }

    /// `true` between the warm-up and the stop.
    var recording: Bool { recordingFlag.load(ordering: .relaxed) && !stopped }

    func start() {
        state.withLock { $0.recording = true }
        recordingFlag.store(true, ordering: .relaxed)
    }

    func stop() { stopFlag.store(true, ordering: .relaxed) }

    /// Records a batch of per-connection results (merging keeps lock traffic low).
    func merge(_ local: inout Histogram<UInt64>, requests: Int, errors: Int, firstError: String?) {
        state.withLock { s in
            guard s.recording else { return }
            s.histogram.add(local)
            s.requests += requests
            s.errors += errors
            if s.firstError == nil { s.firstError = firstError }
        }
    }

    func result(seconds: Double) -> LoadResult {
        state.withLock { s in
            LoadResult(requests: s.requests, errors: s.errors, seconds: seconds, histogram: s.histogram,
                       firstError: s.firstError)
        }
    }
}

enum HTTPLoadGenerator {
    /// Runs `connections` closed loops against `host:port` for `warmup` (not recorded) and then `duration`.
    static func run(client kind: String, host: String, port: Int, path: String, body: [UInt8], headers: [(String, String)],
                    connections: Int, warmup: Duration, duration: Duration) async throws -> LoadResult {
        let recorder = LoadRecorder()
        let measure = Task {
            try await Task.sleep(for: warmup)
            recorder.start()
            let start = ContinuousClock.now
            try await Task.sleep(for: duration)
            recorder.stop()
            return ContinuousClock.now - start
        }
        switch kind {
        case "ahc":
            try await runAsyncHTTPClient(host: host, port: port, path: path, body: body, headers: headers,
                                         connections: connections, recorder: recorder)
        default:
            try await runNIO(host: host, port: port, path: path, body: body, headers: headers,
                             connections: connections, recorder: recorder)
        }
        let elapsed = try await measure.value
        return recorder.result(seconds: elapsed.seconds)
    }

    // MARK: AsyncHTTPClient

    private static func runAsyncHTTPClient(host: String, port: Int, path: String, body: [UInt8], headers: [(String, String)],
                                           connections: Int, recorder: LoadRecorder) async throws {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let url = "http://\(host):\(port)\(path)"
        let payload = ByteBuffer(bytes: body)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<connections {
                group.addTask {
                    var local = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000,
                                                  numberOfSignificantValueDigits: .three)
                    var requests = 0
                    var errors = 0
                    var firstError: String?
                    while !recorder.stopped {
                        var request = HTTPClientRequest(url: url)
                        request.method = .POST
                        request.headers.add(name: "Content-Type", value: "application/json")
                        for (name, value) in headers { request.headers.add(name: name, value: value) }
                        request.body = .bytes(payload)
                        let start = ContinuousClock.now
                        do {
                            let response = try await client.execute(request, timeout: .seconds(30))
                            let answer = try await response.body.collect(upTo: 1 << 20)
                            if response.status.code != 200 {
                                errors += 1
                                if firstError == nil { firstError = "\(response.status.code) \(String(buffer: answer))" }
                            }
                        } catch {
                            errors += 1
                            if firstError == nil { firstError = "\(error)" }
                        }
                        if recorder.recording {
                            _ = local.record(UInt64((ContinuousClock.now - start).microseconds))
                            requests += 1
                        } else {
                            errors = 0
                            firstError = nil
                        }
                    }
                    recorder.merge(&local, requests: requests, errors: errors, firstError: firstError)
                }
            }
            try await group.waitForAll()
        }
        try await client.shutdown()
    }

    // MARK: Plain NIO

    /// One keep-alive connection that writes a prebuilt request and parses just enough of each
    /// answer (status line, Content-Length) to know when it is complete.
    private final class ClosedLoopHandler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        private let request: ByteBuffer
        private let recorder: LoadRecorder
        private let done: EventLoopPromise<Void>
        private var buffer = ByteBuffer()
        private var sentAt = ContinuousClock.now
        private var local = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000,
                                              numberOfSignificantValueDigits: .three)
        private var requests = 0
        private var errors = 0
        private var firstError: String?

        init(request: ByteBuffer, recorder: LoadRecorder, done: EventLoopPromise<Void>) {
            self.request = request
            self.recorder = recorder
            self.done = done
        }

        func channelActive(context: ChannelHandlerContext) {
            send(context: context)
        }

        private func send(context: ChannelHandlerContext) {
            sentAt = ContinuousClock.now
            context.writeAndFlush(NIOAny(request), promise: nil)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var incoming = unwrapInboundIn(data)
            buffer.writeBuffer(&incoming)
            while let status = parseOne() {
                if recorder.recording {
                    _ = local.record(UInt64((ContinuousClock.now - sentAt).microseconds))
                    requests += 1
                    if status != 200 {
                        errors += 1
                        if firstError == nil { firstError = "HTTP \(status)" }
                    }
                }
                if recorder.stopped {
                    context.close(promise: nil)
                    return
                }
                send(context: context)
            }
        }

        /// Consumes one complete answer from the buffer and returns its status, or nil if incomplete.
        private func parseOne() -> Int? {
            let parsed: (status: Int, total: Int)? = buffer.withUnsafeReadableBytes { raw in
                let n = raw.count
                guard n >= 16 else { return nil }
                var end = -1
                var i = 12
                while i + 3 < n {
                    if raw[i] == 13 && raw[i + 1] == 10 && raw[i + 2] == 13 && raw[i + 3] == 10 { end = i; break }
                    i += 1
                }
                guard end >= 0 else { return nil }
                // "HTTP/1.1 200 "
                let status = Int(raw[9] &- 48) * 100 + Int(raw[10] &- 48) * 10 + Int(raw[11] &- 48)
                // Content-Length, case-insensitively.
                let key: StaticString = "content-length:"
                var length = 0
                var p = 0
                while p < end {
                    if raw[p] == 10, p + 1 + key.utf8CodeUnitCount <= end {
                        let start = p + 1
                        var k = 0
                        while k < key.utf8CodeUnitCount && raw[start + k] | 0x20 == key.utf8Start[k] { k += 1 }
                        if k == key.utf8CodeUnitCount {
                            var j = start + k
                            while j < end && raw[j] == 32 { j += 1 }
                            while j < end && raw[j] >= 48 && raw[j] <= 57 { length = length * 10 + Int(raw[j] - 48); j += 1 }
                        }
                    }
                    p += 1
                }
                let total = end + 4 + length
                guard n >= total else { return nil }
                return (status, total)
            }
            guard let parsed else { return nil }
            buffer.moveReaderIndex(forwardBy: parsed.total)
            if buffer.readableBytes == 0 { buffer.clear() }
            return parsed.status
        }

        func channelInactive(context: ChannelHandlerContext) {
            recorder.merge(&local, requests: requests, errors: errors, firstError: firstError)
            done.succeed(())
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            errors += 1
            if firstError == nil { firstError = "\(error)" }
            context.close(promise: nil)
        }
    }

    private static func runNIO(host: String, port: Int, path: String, body: [UInt8], headers: [(String, String)],
                               connections: Int, recorder: LoadRecorder) async throws {
        var head = "POST \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nContent-Type: application/json\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "Content-Length: \(body.count)\r\n\r\n"
        var request = ByteBuffer(string: head)
        request.writeBytes(body)
        let group = MultiThreadedEventLoopGroup.singleton
        var finished: [EventLoopFuture<Void>] = []
        for _ in 0..<connections {
            let loop = group.next()
            let done = loop.makePromise(of: Void.self)
            let requestCopy = request
            _ = try await ClientBootstrap(group: loop)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            ClosedLoopHandler(request: requestCopy, recorder: recorder, done: done))
                    }
                }
                .connect(host: host, port: port).get()
            finished.append(done.futureResult)
        }
        for f in finished { try await f.get() }
    }
}

extension Duration {
    var microseconds: Int64 {
        let (s, atto) = components
        return s * 1_000_000 + atto / 1_000_000_000_000
    }
}
